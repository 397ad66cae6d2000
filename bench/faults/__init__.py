"""Fault scripts (issue 21, "Faults survived"): ``python -m bench.faults`` or ``make faults``."""
