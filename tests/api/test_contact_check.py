"""Contract tests of /api/v1/contact/check and its batch form: keys, scopes, the JSON
errors, the rate per client, and answers that agree with the compliance engine itself."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation
import pytest
from rest_framework.test import APIClient

from api import keys
from api.models import ApiCall
from cases import services as case_services
from cases.models import CaseState, ContactPoint, Hold
from contacts import engine
from contacts.models import ChannelOptOut
from contacts.services import check_contact
from policy.codes import Channel, Outcome, Reason
from tests.clients import client_for
from tests.clock import SHANGHAI, local
from tests.factories import make_user, past, phone_case

CHECK = reverse("api:contact_check")
BATCH = reverse("api:contact_check_batch")


@pytest.fixture
def admin_user(db):
    return make_user("Administrator")


def dialer(admin_user, scopes=("contact:check",), **kwargs):
    client, key = keys.create_client(name=f"dialer-{len(scopes)}-{kwargs}", scopes=scopes, by=admin_user, **kwargs)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, key, api


def codes(response):
    return [error["code"] for error in response.json()["errors"]]


def test_no_key_an_unknown_key_and_a_revoked_key_are_refused_with_401(admin_user):
    assert APIClient().post(CHECK, {}, format="json").status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer abcd1234.not-a-secret")
    response = stranger.post(CHECK, {}, format="json")
    assert response.status_code == 401 and codes(response) == ["unknown_key"]
    client, key, api = dialer(admin_user)
    keys.revoke(client)
    response = api.post(CHECK, {}, format="json")
    assert response.status_code == 401 and codes(response) == ["revoked_key"]


def test_a_staff_session_is_not_a_key(admin_user):
    case = phone_case(dpd=30)
    response = client_for(admin_user).post(
        CHECK, {"loan_number": case.account.loan_number, "channel": "phone_call"}, content_type="application/json"
    )
    assert response.status_code == 401


def test_a_key_without_the_scope_gets_403(admin_user):
    _client, _key, api = dialer(admin_user, scopes=("payments:write",))
    response = api.post(CHECK, {"loan_number": "x", "channel": "sms"}, format="json")
    assert response.status_code == 403 and "contact:check" in response.json()["errors"][0]["message"]


def test_a_rotated_key_replaces_the_old_one_at_once(admin_user):
    case = phone_case(dpd=30)
    client, old, api = dialer(admin_user)
    new = keys.rotate_key(client)
    body = {"loan_number": case.account.loan_number, "channel": "phone_call"}
    assert api.post(CHECK, body, format="json").status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {new}")
    assert api.post(CHECK, body, format="json").status_code == 200 and old != new


def test_the_answer_is_the_engines_in_the_language_asked(admin_user):
    allowed = phone_case(dpd=30)
    capped = phone_case(dpd=60, phones=("+8613800000002",))
    now = timezone.now()
    for minutes in (50, 40, 30):  # three connected calls today: the CN cap refuses a fourth
        past(capped, now - timedelta(minutes=minutes), outcome=Outcome.RIGHT_PARTY)
    client, _key, api = dialer(admin_user)
    for case in (allowed, capped):
        for language in ("en", "zh-hans"):
            response = api.post(
                CHECK,
                {
                    "loan_number": case.account.loan_number,
                    "channel": "phone_call",
                    "at": now.isoformat(),
                    "language": language,
                },
                format="json",
            )
            assert response.status_code == 200
            answer = response.json()
            decision = engine.evaluate(case, Channel.PHONE_CALL, now, case.points[0])
            assert answer["allowed"] == decision.allowed
            assert [reason["code"] for reason in answer["reasons"]] == list(decision.reasons)
    assert not answer["allowed"] and answer["reasons"]  # the last answer: the capped case, in Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answer["reasons"][0]["sentence"])
    assert answer["next_allowed_at"] is not None
    assert ApiCall.objects.filter(client=client, status=200).count() == 4


def test_bad_input_is_json_with_a_code_and_a_field(admin_user):
    case = phone_case(dpd=30)
    _client, _key, api = dialer(admin_user)
    response = api.post(
        CHECK, {"loan_number": case.account.loan_number, "channel": "fax", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert {(e["code"], e["field"]) for e in response.json()["errors"]} == {("unknown_field", "colour")}
    response = api.post(CHECK, {"loan_number": case.account.loan_number, "channel": "fax"}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "channel"
    response = api.post(CHECK, {"loan_number": "NO-SUCH", "channel": "sms"}, format="json")
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "loan_number"
    body = {"loan_number": case.account.loan_number, "channel": "phone_call", "destination": "+8613999999999"}
    response = api.post(CHECK, body, format="json")
    assert response.status_code == 422 and codes(response) == ["unknown_destination"]
    response = api.post(CHECK, "not json", content_type="application/json")
    assert response.status_code == 400 and codes(response) == ["parse_error"]


def test_a_named_destination_is_judged_on_that_number(admin_user):
    case = phone_case(dpd=30, phones=("+8613800000003", "+8613800000004"))
    _client, _key, api = dialer(admin_user)
    body = {"loan_number": case.account.loan_number, "channel": "phone_call", "destination": "13800000004"}
    response = api.post(CHECK, body, format="json")
    decision = engine.evaluate(case, Channel.PHONE_CALL, None, case.points[1])
    assert response.status_code == 200 and response.json()["allowed"] == decision.allowed


def test_the_batch_judges_a_dialling_list_in_one_call(admin_user):
    cases = [phone_case(dpd=30 + n) for n in range(5)]
    _client, _key, api = dialer(admin_user)
    numbers = [case.account.loan_number for case in cases]
    response = api.post(BATCH, {"channel": "sms", "loan_numbers": [*numbers, "NO-SUCH"]}, format="json")
    assert response.status_code == 200
    answer = response.json()
    assert [d["loan_number"] for d in answer["decisions"]] == numbers and answer["unknown_loan_numbers"] == ["NO-SUCH"]
    for case, decided in zip(cases, answer["decisions"], strict=True):
        assert decided["allowed"] == engine.evaluate(case, Channel.SMS, None, case.points[0]).allowed
    too_many = api.post(BATCH, {"channel": "sms", "loan_numbers": ["x"] * 1001}, format="json")
    assert too_many.status_code == 400 and too_many.json()["errors"][0]["field"] == "loan_numbers"


def test_over_the_clients_rate_the_answer_is_429_with_retry_after(admin_user):
    from django.core.cache import cache

    cache.clear()
    _client, _key, api = dialer(admin_user, requests_per_minute=2)
    body = {"loan_number": "NO-SUCH", "channel": "sms"}
    assert [api.post(CHECK, body, format="json").status_code for _ in range(2)] == [404, 404]
    response = api.post(CHECK, body, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0 and codes(response) == ["throttled"]


def test_the_schema_and_its_documentation_page_are_served(db):
    schema = APIClient().get(reverse("api:schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/contact/check", "/api/v1/contact/check/batch"} <= set(paths)
    docs = APIClient().get(reverse("api:docs"))
    assert docs.status_code == 200 and b"<script>" not in docs.content  # CSP: no inline script


def test_an_administrator_makes_a_client_and_sees_its_key_once(admin_user):
    page = client_for(admin_user).post(
        reverse("admin:api_apiclient_add"),
        {"name": "Voice bot", "scopes": ["contact:check", "contact:record"], "requests_per_minute": "120"},
    )
    assert page.status_code == 200
    key = page.context["key"]
    client = keys.client_for_key(key)
    assert client.name == "Voice bot" and client.scopes == ["contact:check", "contact:record"]
    assert key not in client.key_digest and len(client.key_digest) == 64  # only the digest is kept
    assert (
        key not in client_for(admin_user).get(reverse("admin:api_apiclient_change", args=[client.pk])).content.decode()
    )

    again = client_for(admin_user).post(
        reverse("admin:api_apiclient_add"),
        {"name": "Voice bot", "scopes": ["contact:check"], "requests_per_minute": "60"},
    )
    assert "already has a client" in again.content.decode() and ApiCall.objects.count() == 0


def test_the_batch_answers_each_loan_exactly_as_a_single_check_does(admin_user):
    """The batch reads its facts for the whole list at once and words each distinct refusal
    once: every answer must still be the one a single check gives, and the engine's own."""
    at = local(SHANGHAI, day_offset=1, hour=12)
    allowed = phone_case(dpd=30)
    capped = phone_case(dpd=60, phones=("+8613800000012",))
    for minutes in (50, 40, 30):  # three connected calls today: the CN cap refuses a fourth
        past(capped, at - timedelta(minutes=minutes), outcome=Outcome.RIGHT_PARTY)
    held = phone_case(phones=("+8613800000013",))
    case_services.place_hold(held, Hold.Kind.DISPUTE, by=None)
    opted_out = phone_case(phones=("+8613800000014",))
    ChannelOptOut.objects.create(borrower=opted_out.account.borrower, channel=Channel.PHONE_CALL)
    too_early = phone_case(dpd=3, rung=CaseState.REMINDER, phones=("+8613800000015",))
    spoke = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550111",))
    past(spoke, at - timedelta(days=2), outcome=Outcome.RIGHT_PARTY, conversation=True)
    week = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550112",))
    for days in range(7):  # seven calls in seven days (Reg F)
        past(week, at - timedelta(days=days, hours=1))
    invalid = phone_case(phones=("+8613800000017",))
    ContactPoint.objects.filter(pk=invalid.points[0].pk).update(is_invalid=True)
    cases = [allowed, capped, held, opted_out, too_early, spoke, week, invalid]
    _client, _key, api = dialer(admin_user)
    numbers = [case.account.loan_number for case in cases]
    seen = set()
    for language in ("en", "zh-hans"):
        body = {"channel": "phone_call", "at": at.isoformat(), "language": language, "loan_numbers": numbers}
        batch = api.post(BATCH, body, format="json").json()["decisions"]
        for case, answer in zip(cases, batch, strict=True):
            single = {"loan_number": case.account.loan_number, "channel": "phone_call", "at": at.isoformat()}
            assert api.post(CHECK, {**single, "language": language}, format="json").json() == answer
            points = [p for p in case.account.borrower.contact_points.all() if not p.is_invalid]
            decision = check_contact(case, Channel.PHONE_CALL, at, contact_point=points[0] if points else None)
            with translation.override(language):
                assert [(r["code"], r["sentence"]) for r in answer["reasons"]] == list(
                    zip(decision.reasons, decision.explanations, strict=True)
                )
            assert answer["allowed"] == decision.allowed
            assert answer["next_allowed_at"] == (
                decision.next_allowed_at.isoformat().replace("+00:00", "Z") if decision.next_allowed_at else None
            )
            seen.update(reason["code"] for reason in answer["reasons"] or [{"code": "allowed"}])
    assert seen >= {
        "allowed",
        Reason.DAILY_CAP,
        Reason.CASE_ON_HOLD,
        Reason.CHANNEL_OPT_OUT,
        Reason.STAGE_NOT_REACHED,
        Reason.POST_CONVERSATION_WAIT,
        Reason.WEEKLY_CAP,
        Reason.OUTSIDE_HOURS,
    }
