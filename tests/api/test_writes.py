"""Contract tests of the API's writes: accounts and payments through the loan feed's own
checks (one code path with the CSV files), payoff that stops every message in the call's
transaction, Idempotency-Key, contact attempts judged like the log-contact page, inbound
replies that withdraw consent, the body limit, and one payment under ten identical
requests at once on PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
import io
import threading
from unittest import mock

from django.db import connection
from django.urls import reverse
from django.utils import timezone
import pytest
from rest_framework.test import APIClient

from api import keys
from api.jobs import forget_idempotency_keys
from api.models import ApiCall, IdempotentRequest, Scope
from cases.event_text import EventCode
from cases.imports import import_csv
from cases.models import CaseEvent, CaseState, CollectionCase, ContactPoint, LoanAccount, Payment
from contacts import engine, outbox
from contacts.gateways.file import delivered
from contacts.models import ConsentRevocation, ContactAttempt, InboundMessage, OutboundMessage
from contacts.services import approve_template, save_template_version
from policy.codes import Channel, Outcome
from tests.clock import SHANGHAI, local
from tests.factories import make_user, past, phone_case

PAYMENTS = reverse("api:payments")
ATTEMPTS = reverse("api:contact_attempts")
INBOUND = reverse("api:messages_inbound")


def loan_url(number):
    return reverse("api:loan", args=[number])


@pytest.fixture
def admin_user(db):
    return make_user("Administrator")


def api_for(admin_user, *scopes, name="loan-system"):
    client, key = keys.create_client(name=name, scopes=list(scopes), by=admin_user, requests_per_minute=10_000)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, api


def errors(response):
    return {(error["code"], error["field"]) for error in response.json()["errors"]}


def account_row(number, **changes):
    overdue_since = (timezone.localdate() - timedelta(days=12)).isoformat()
    return {
        "borrower_name": "Wang Fang",
        "national_id": f"ID-{number}",
        "phone": "+8613811112222",
        "email": "wang.fang@example.cn",
        "electronic_consent": "yes",
        "home_time_zone": "Asia/Shanghai",
        "language": "zh-hans",
        "policy_profile_code": "CN",
        "product": "consumer loan",
        "currency": "CNY",
        "principal": "10000.00",
        "outstanding_principal": "4000.00",
        "outstanding_interest": "120.50",
        "oldest_unpaid_due_date": overdue_since,
        **changes,
    }


# --- accounts ------------------------------------------------------------------------------------


def test_an_overdue_account_opens_its_case_in_the_same_call(admin_user):
    _client, api = api_for(admin_user, Scope.LOANS_WRITE, Scope.CASES_READ)
    response = api.put(loan_url("API-1"), account_row("API-1"), format="json")
    assert response.status_code == 201, response.json()
    answer = response.json()
    case = CollectionCase.objects.get(account__loan_number="API-1")
    assert answer["outcome"] == "created" and answer["case_opened"] is True
    assert answer["case"] == {"id": case.pk, "state": CaseState.NEW, "contact_stopped": False}
    assert CaseEvent.objects.get(case=case, kind=CaseEvent.Kind.OPENED).code == EventCode.OPENED_BY_FEED
    points = set(ContactPoint.objects.filter(borrower=case.account.borrower).values_list("kind", "value"))
    assert points == {("phone", "+8613811112222"), ("email", "wang.fang@example.cn")}
    # Again, with a new balance: updated, the same case, none opened.
    response = api.put(loan_url("API-1"), account_row("API-1", outstanding_interest="99.00"), format="json")
    assert response.status_code == 200
    assert response.json()["outcome"] == "updated" and response.json()["case_opened"] is False
    assert LoanAccount.objects.get(loan_number="API-1").outstanding_interest == 99
    assert CollectionCase.objects.filter(account__loan_number="API-1").count() == 1
    read = api.get(loan_url("API-1"))
    assert read.status_code == 200
    assert read.json()["outstanding"] == {"amount": "4099.00", "currency": "CNY"}
    assert read.json()["case"]["id"] == case.pk and read.json()["on_hold"] is False


def test_an_account_not_yet_overdue_gets_no_case(admin_user):
    _client, api = api_for(admin_user, Scope.LOANS_WRITE)
    response = api.put(loan_url("API-2"), account_row("API-2", oldest_unpaid_due_date=""), format="json")
    assert response.status_code == 201 and response.json()["case"] is None
    assert not CollectionCase.objects.filter(account__loan_number="API-2").exists()


def test_an_account_is_refused_with_the_csv_imports_own_codes_and_sentences(admin_user):
    _client, api = api_for(admin_user, Scope.LOANS_WRITE)
    bad = account_row("API-3", phone="12", outstanding_principal="20000.00", home_time_zone="Mars/Olympus")
    response = api.put(loan_url("API-3"), bad, format="json")
    assert response.status_code == 422
    found = errors(response)
    assert found == {
        ("not_a_phone", "phone"),
        ("more_than_principal", "outstanding_principal"),
        ("not_a_time_zone", "home_time_zone"),
    }
    # The same record as a line of the accounts file: the same problems, worded the same.
    header = ["loan_number", *bad]
    line = ",".join(header) + "\n" + ",".join(["API-3", *bad.values()]) + "\n"
    result = import_csv(io.BytesIO(line.encode()), "accounts")
    assert {(error.code, error.field) for error in result.errors} == found
    messages = {error["message"] for error in response.json()["errors"]}
    assert messages == {error.message for error in result.errors}
    assert not LoanAccount.objects.filter(loan_number="API-3").exists()  # nothing half-written


def test_a_missing_required_column_and_an_unknown_field(admin_user):
    _client, api = api_for(admin_user, Scope.LOANS_WRITE)
    row = account_row("API-4")
    del row["currency"]
    response = api.put(loan_url("API-4"), row, format="json")
    assert response.status_code == 400 and errors(response) == {("required", "currency")}
    response = api.put(loan_url("API-4"), {**account_row("API-4"), "colour": "red"}, format="json")
    assert response.status_code == 400 and errors(response) == {("unknown_field", "colour")}
    # A path number the feed could not store as given: refused before any query.
    for number in ("API-4 ", "API\x004"):
        response = api.put(loan_url(number), account_row("API-4"), format="json")
        assert response.status_code == 422 and errors(response) == {("invalid", "loan_number")}
    assert not LoanAccount.objects.filter(loan_number__startswith="API").exists()


def test_each_write_needs_its_own_scope(admin_user):
    _client, api = api_for(admin_user, Scope.CONTACT_CHECK)
    assert api.put(loan_url("X"), account_row("X"), format="json").status_code == 403
    assert api.get(loan_url("X")).status_code == 403
    assert api.post(PAYMENTS, {}, format="json").status_code == 403
    assert api.post(ATTEMPTS, {}, format="json").status_code == 403
    assert api.post(INBOUND, {}, format="json").status_code == 403
    client, api = api_for(admin_user, Scope.PAYMENTS_WRITE, name="revoked")
    keys.revoke(client)
    assert api.post(PAYMENTS, {}, format="json").status_code == 401


# --- payments ------------------------------------------------------------------------------------


def payment(case, reference, amount, **changes):
    return {
        "loan_number": case.account.loan_number,
        "reference": reference,
        "amount": str(amount),
        "paid_at": timezone.now().isoformat(),
        **changes,
    }


def test_a_payment_is_recorded_once_and_its_repeat_says_unchanged(admin_user):
    case = phone_case(dpd=30)
    client, api = api_for(admin_user, Scope.PAYMENTS_WRITE)
    body = payment(case, "LS-1001", "1000.00")
    first = api.post(PAYMENTS, body, format="json")
    assert first.status_code == 201, first.json()
    answer = first.json()
    assert answer["outcome"] == "created" and answer["payment"] == {"amount": "1000.00", "currency": "CNY"}
    assert answer["outstanding"] == {"amount": "4000.00", "currency": "CNY"}
    assert answer["case_resolved"] is False and answer["case"]["state"] == CaseState.PHONE
    assert Payment.objects.get(reference="LS-1001").source == Payment.Source.API
    again = api.post(PAYMENTS, body, format="json")
    assert again.status_code == 200 and again.json()["outcome"] == "unchanged"
    assert Payment.objects.filter(reference="LS-1001").count() == 1
    conflict = api.post(PAYMENTS, {**body, "amount": "999.00"}, format="json")
    assert conflict.status_code == 409 and errors(conflict) == {("conflict", None)}
    assert ApiCall.objects.filter(client=client).count() == 3


def test_a_payment_is_refused_with_the_csv_imports_own_codes(admin_user):
    case = phone_case(dpd=30)
    _client, api = api_for(admin_user, Scope.PAYMENTS_WRITE)
    response = api.post(PAYMENTS, payment(case, "LS-2", "0", paid_at="2026-11-20 10:00"), format="json")
    assert response.status_code == 422
    assert errors(response) == {("zero_payment", "amount"), ("no_offset", "paid_at")}
    response = api.post(PAYMENTS, payment(case, "LS-2", "10.00", currency="usd"), format="json")
    assert response.status_code == 422 and errors(response) == {("payment_currency", "currency")}
    response = api.post(PAYMENTS, payment(case, "LS-2", "10.00", loan_number="NOPE"), format="json")
    assert response.status_code == 422 and errors(response) == {("unknown_loan", "loan_number")}
    assert not Payment.objects.exists()


@pytest.fixture
def sms_template(db):
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = save_template_version(
        code="sms-reminder", channel=Channel.SMS, language="zh-hans", by=author, body="【{lender_name}】您好。"
    )
    return approve_template(template, by=reviewer)


def test_payoff_through_the_api_stops_every_message_before_the_answer(admin_user, sms_template, tmp_path, settings):
    settings.OUTBOX_DIR = tmp_path / "outbox"
    case = phone_case(dpd=3, rung=CaseState.REMINDER)
    when = local(SHANGHAI, hour=9)
    for offset in (0, 1):
        slot = when + timedelta(days=offset)
        OutboundMessage.objects.create(
            case=case,
            channel=Channel.SMS,
            template=sms_template,
            contact_point=case.points[0],
            slot=slot,
            scheduled_for=slot,
            idempotency_key=OutboundMessage.key_for(case.pk, sms_template.pk, slot),
        )
    _client, api = api_for(admin_user, Scope.PAYMENTS_WRITE)
    response = api.post(PAYMENTS, payment(case, "PAYOFF-API", case.account.outstanding_total), format="json")
    assert response.status_code == 201
    answer = response.json()
    assert answer["case_resolved"] is True and answer["messages_suppressed"] == 2
    assert answer["case"] == {"id": case.pk, "state": CaseState.RESOLVED, "contact_stopped": True}
    assert not OutboundMessage.objects.filter(case=case, state=OutboundMessage.State.SCHEDULED).exists()
    with mock.patch("django.utils.timezone.now", return_value=when + timedelta(days=1, minutes=5)):
        outbox.dispatch_outbox()
    assert delivered("sms", settings.OUTBOX_DIR) == []
    assert not ContactAttempt.objects.filter(case=case, allowed=True).exists()


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_request(admin_user):
    case = phone_case(dpd=30)
    _client, api = api_for(admin_user, Scope.PAYMENTS_WRITE)
    body = payment(case, "LS-3", "100.00")
    first = api.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-7")
    replay = api.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-7")
    assert first.status_code == replay.status_code == 201  # the first answer, not "unchanged"
    assert replay.json() == first.json() and replay["Idempotent-Replayed"] == "true"
    other = api.post(PAYMENTS, payment(case, "LS-4", "5.00"), format="json", HTTP_IDEMPOTENCY_KEY="retry-7")
    assert other.status_code == 422 and errors(other) == {("idempotency_key_reused", "Idempotency-Key")}
    assert list(Payment.objects.values_list("reference", flat=True)) == ["LS-3"]
    # A refused request keeps no key: corrected, it may be sent again with the same key.
    refused = api.post(PAYMENTS, payment(case, "LS-5", "0"), format="json", HTTP_IDEMPOTENCY_KEY="fix-me")
    assert refused.status_code == 422 and not IdempotentRequest.objects.filter(key="fix-me").exists()
    # Kept for a day, then forgotten by the hourly job (the reference still stops a double payment).
    assert forget_idempotency_keys() == {"forgotten": 0}
    IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert forget_idempotency_keys() == {"forgotten": 1}
    late = api.post(PAYMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="retry-7")
    assert late.status_code == 200 and late.json()["outcome"] == "unchanged"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_identical_payments_at_once_record_one(admin_user):
    case = phone_case(dpd=30)
    client, key = keys.create_client(
        name="racing", scopes=[Scope.PAYMENTS_WRITE], by=admin_user, requests_per_minute=10_000
    )
    body = payment(case, "RACE-1", "250.00")
    start = threading.Barrier(10)

    def post(use_key):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        try:
            start.wait(timeout=20)
            headers = {"HTTP_IDEMPOTENCY_KEY": "same-key"} if use_key else {}
            response = api.post(PAYMENTS, body, format="json", **headers)
            return response.status_code, response.json()
        finally:
            connection.close()

    for use_key in (False, True):
        with ThreadPoolExecutor(max_workers=10) as pool:
            answers = list(pool.map(post, [use_key] * 10))
        assert all(status in (200, 201) for status, _ in answers), answers
        if not use_key:
            assert sorted(status for status, _ in answers) == [200] * 9 + [201]
            assert sorted(answer["outcome"] for _, answer in answers) == ["created"] + ["unchanged"] * 9
    assert Payment.objects.filter(reference="RACE-1").count() == 1
    assert LoanAccount.objects.get(pk=case.account.pk).outstanding_total == case.account.outstanding_total - 250
    assert IdempotentRequest.objects.filter(client=client, key="same-key").count() == 1


# --- contact attempts ----------------------------------------------------------------------------


def test_an_attempt_is_judged_like_the_log_contact_page(admin_user):
    allowed = phone_case(dpd=30)
    capped = phone_case(dpd=60, phones=("+8613800000002",))
    now = local(SHANGHAI, day_offset=-1, hour=10)  # yesterday, within calling hours, whenever the suite runs
    for minutes in (50, 40, 30):  # three connected calls that day: the CN cap refuses a fourth
        past(capped, now - timedelta(minutes=minutes), outcome=Outcome.RIGHT_PARTY)
    _client, api = api_for(admin_user, Scope.CONTACT_RECORD)

    def attempt(case, **changes):
        body = {
            "loan_number": case.account.loan_number,
            "channel": "phone_call",
            "destination": case.points[0].value,
            "outcome": "no_answer",
            "at": now.isoformat(),
            "placed_by": "voice_bot",
            **changes,
        }
        return api.post(ATTEMPTS, body, format="json")

    expected = engine.evaluate(allowed, Channel.PHONE_CALL, now, contact_point=allowed.points[0])
    response = attempt(allowed)
    assert expected.allowed and response.status_code == 201, response.json()
    stored = ContactAttempt.objects.get(pk=response.json()["attempt_id"])
    assert stored.allowed and stored.placed_by == ContactAttempt.PlacedBy.VOICE_BOT and stored.outcome == "no_answer"

    expected = engine.evaluate(capped, Channel.PHONE_CALL, now, contact_point=capped.points[0])
    response = attempt(capped, language="zh-hans")
    assert not expected.allowed and response.status_code == 409
    answer = response.json()
    assert [error["code"] for error in answer["errors"]] == list(expected.reasons)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["errors"][0]["message"])
    refused = ContactAttempt.objects.get(pk=answer["attempt_id"])
    assert not refused.allowed and refused.reasons == list(expected.reasons)  # stored as refused

    response = attempt(allowed, destination="+8613999999999")
    assert response.status_code == 422 and errors(response) == {("unknown_destination", "destination")}
    response = attempt(allowed, outcome="callback")  # no callback time: a sentence, nothing stored
    assert response.status_code == 422 and ContactAttempt.objects.count() == 5  # 3 before, 2 through the API
    response = attempt(allowed, at=(timezone.now() + timedelta(hours=1)).isoformat())
    assert response.status_code == 422 and errors(response) == {("future", "at")}


# --- inbound messages ----------------------------------------------------------------------------


def test_a_stop_reply_withdraws_consent_in_the_same_call(admin_user):
    case = phone_case(dpd=30)
    _client, api = api_for(admin_user, Scope.MESSAGES_INBOUND)
    body = {"channel": "sms", "sender": case.points[0].value, "body": "退订！", "message_id": "msg-1"}
    response = api.post(INBOUND, body, format="json")
    assert response.status_code == 200, response.json()
    answer = response.json()
    assert answer["keyword"] == "退订" and answer["consent_withdrawn"] is True and answer["messages_recorded"] == 1
    revocation = ConsentRevocation.objects.get()
    assert revocation.via == ConsentRevocation.Via.INBOUND_REPLY and revocation.inbound_message.borrower_id == (
        case.account.borrower_id
    )
    assert engine.evaluate(case, Channel.SMS, None, contact_point=case.points[0]).allowed is False
    again = api.post(INBOUND, body, format="json")  # handed over twice: recorded once
    assert again.status_code == 200 and InboundMessage.objects.count() == 1 and ConsentRevocation.objects.count() == 1
    stranger = api.post(INBOUND, {**body, "sender": "+8613999990000", "message_id": "m2"}, format="json")
    assert stranger.status_code == 404 and errors(stranger) == {("unknown_sender", "sender")}


def test_a_body_over_the_limit_is_refused_unread(admin_user, settings):
    settings.API_MAX_BODY_BYTES = 1000
    _client, api = api_for(admin_user, Scope.MESSAGES_INBOUND)
    body = {"channel": "sms", "sender": "+8613800000001", "body": "x" * 2000, "message_id": "big"}
    response = api.post(INBOUND, body, format="json")
    assert response.status_code == 413 and errors(response) == {("body_too_large", None)}
    assert not InboundMessage.objects.exists()
