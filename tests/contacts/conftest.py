"""Fixtures of the contacts tests: Chinese for the refusal sentences awaiting the catalogue."""

from tests.pending_refusal_chinese import pending_translations

__all__ = ["pending_translations"]
