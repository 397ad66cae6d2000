"""schemathesis against the schema drf-spectacular writes for /api/v1/: every operation,
with generated requests (valid and invalid ones), sent in-process to the Django WSGI app
with a key that holds every scope. Each answer must be no 5xx, have a documented status
and content type, and match the schema of that status. Bounded: a fixed seed and a few
dozen examples per operation."""

from __future__ import annotations

import json

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import keys
from api.models import Scope
from cases.models import LoanAccount
from tests.factories import make_user, phone_case

# Loans in the test database that the examples name, so answers about a real case are
# generated too (and not only "unknown loan"); fuzzed loan numbers stay unknown.
KNOWN_LOANS = ("FUZZ-0001", "FUZZ-0002")
KNOWN_PHONES = ("+8613800009001", "+8613800009002")
# A valid request for each write, so that the examples reach past validation to the
# answers of a real write (the schema's loose strings rarely make a valid account or
# payment by chance): the examples phase sends them, the fuzzing phase varies from there.
WRITE_EXAMPLES = {
    "loan_upsert": {
        "borrower_name": "Fuzz Borrower",
        "phone": KNOWN_PHONES[1],
        "policy_profile_code": "CN",
        "product": "Consumer loan",
        "currency": "CNY",
        "principal": "5000.00",
        "outstanding_principal": "4000.00",
        "oldest_unpaid_due_date": "2026-01-05",
    },
    "payment_post": {
        "loan_number": KNOWN_LOANS[0],
        "reference": "FUZZ-PAY-1",
        "amount": "100.00",
        "paid_at": "2026-02-01T10:15:00+08:00",
    },
    "contact_attempt_record": {
        "loan_number": KNOWN_LOANS[0],
        "channel": "phone_call",
        "destination": KNOWN_PHONES[0],
        "outcome": "no_answer",
    },
    "message_inbound": {
        "channel": "sms",
        "sender": KNOWN_PHONES[0],
        "body": "Call me tomorrow",
        "message_id": "fuzz-1",
    },
}
EXAMPLES_PER_OPERATION = 100
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _with_known_loans(node):
    """The schema as served, with the known loan numbers as examples of every loan number
    (in a body or a path) and a valid body for each write."""
    if isinstance(node, dict):
        if node.get("operationId") in WRITE_EXAMPLES:
            body = node["requestBody"]["content"]["application/json"]
            body["example"] = WRITE_EXAMPLES[node["operationId"]]
        if node.get("in") == "path" and node.get("name") == "loan_number":
            node["example"] = KNOWN_LOANS[1]
        properties = node.get("properties", {})
        if properties.get("loan_number", {}).get("type") == "string":
            properties["loan_number"]["example"] = KNOWN_LOANS[0]
        if properties.get("loan_numbers", {}).get("type") == "array":
            properties["loan_numbers"]["example"] = [*KNOWN_LOANS, "NO-SUCH-LOAN"]
        for value in node.values():
            _with_known_loans(value)
    elif isinstance(node, list):
        for value in node:
            _with_known_loans(value)
    return node


def _served_schema() -> dict:
    """What /api/v1/schema/ serves (the same generator and renderer), without a request."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(_with_known_loans(_served_schema())).exclude(
    path_regex=r"^/api/v1/(schema|docs)/"
)
APP = WSGIHandler()


@pytest.fixture
def every_scope_key(db):
    """Known loans, and the Authorization header of a client with every scope and no
    practical rate limit. Requests reach the app in-process on the test's own database
    connection, so the end of a request must not close it (as Django's test client does)."""
    admin = make_user("Administrator")
    for loan_number, phone in zip(KNOWN_LOANS, KNOWN_PHONES, strict=True):
        case = phone_case(dpd=30, phones=(phone,))
        LoanAccount.objects.filter(pk=case.account.pk).update(loan_number=loan_number)
    _client, key = keys.create_client(
        name="schemathesis", scopes=[scope.value for scope in Scope], by=admin, requests_per_minute=1_000_000
    )
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Bearer {key}"}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_as_its_schema_says(case, every_scope_key):
    case.call_and_validate(base_url="https://localhost", app=APP, headers=every_scope_key, checks=CHECKS)


def test_a_loan_number_with_outer_spaces_in_the_path_is_refused_not_a_server_error(every_scope_key):
    """Found by the fuzzing above: the feed strips the loan number and stored "L-1", then the
    API read the account back by the path's " L-1" (DoesNotExist, 500). Now it is refused."""
    from werkzeug.test import Client

    body = {**WRITE_EXAMPLES["loan_upsert"], "phone": ""}
    response = Client(APP).put("/api/v1/loans/%20L-1", json=body, headers=every_scope_key, base_url="https://localhost")
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"code": "invalid", "field": "loan_number", "message": response.json["errors"][0]["message"]}
    ]
