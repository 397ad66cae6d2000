"""The compliance admin pages × every role (the rows tests/test_admin_matrix.py needs)."""

from django.urls import reverse
import pytest

from tests.clients import client_for
from tests.factories import ROLES

C, F, S, R, A = ROLES

PAGES = [
    ("compliance_finding_changelist", {R}),
    ("compliance_finding_add", {R}),
    ("compliance_reviewsample_changelist", {R}),
    ("compliance_reviewsample_add", {R}),
    ("compliance_complaint_changelist", {S, R}),
    ("compliance_complaint_add", {S, R}),
    ("audit_accesslog_changelist", {R}),
    ("audit_accesslog_add", set()),
    ("audit_auditledger_changelist", {R}),
    ("audit_auditledger_add", set()),
]


@pytest.mark.parametrize("role", ROLES)
def test_compliance_admin_pages_per_role(db, users_by_role, role):
    client = client_for(users_by_role[role])
    outcome = {name: client.get(reverse(f"admin:{name}")).status_code for name, _ in PAGES}
    assert outcome == {name: 200 if role in allowed else 403 for name, allowed in PAGES}
