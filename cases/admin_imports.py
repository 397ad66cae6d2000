"""Admin page for the loan feed import (see cases/imports.py)."""
