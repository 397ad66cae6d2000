"""
What the compliance workspace announces to the apps built on it (the desk notifies the
reviewers): sent in the transaction that stored the findings.
"""

from django.dispatch import Signal

# New findings were opened, by the scan (many at once, by=None) or by a reviewer.
# Arguments: findings (list of Finding), by (the reviewer, or None for the scan).
findings_opened = Signal()
