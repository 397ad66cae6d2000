"""The consent ledger (contacts/consent.py) and the consent_required rule
(contacts/engine/consent.py): CN and US-NYC need recorded consent for electronic
messages; a withdrawal is honoured on every profile, as far as its scope reaches, and
stops the queued messages it covers in the same transaction."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import override
import pytest

from cases.models import CaseState, ContactPoint
from contacts import consent
from contacts.models import ConsentRevocation, MessageTemplate, OutboundMessage
from policy.codes import Channel, Reason, RevocationScope
from tests.clock import NEW_YORK, SHANGHAI, frozen, local
from tests.contacts.asking import decide
from tests.factories import grant_contract_consent, make_attempt, make_contact_point, make_user, phone_case

SMS, EMAIL, CALL = Channel.SMS, Channel.EMAIL, Channel.PHONE_CALL
TWO_PHONES = ("+8613800000001", "+8613800000002")


def cn_case(*, consent=True, phones=TWO_PHONES):
    case = phone_case(rung=CaseState.PHONE, phones=phones, consent=consent)
    case.email = make_contact_point(case.account.borrower, "wang@example.cn", kind="email")
    return case


def revoke(case, scope, channel=None, point=None, **kwargs):
    return consent.revoke_consent(
        case.account.borrower,
        scope,
        channel=channel,
        contact_point=point,
        via=ConsentRevocation.Via.STAFF,
        by=kwargs.pop("by", None),
        evidence="told the collector on a call",
        **kwargs,
    )


def refused_for_consent(decision):
    return not decision.allowed and Reason.CONSENT_REQUIRED in decision.reasons


def consent_params(decision):
    return decision.params[decision.reasons.index(Reason.CONSENT_REQUIRED)]


NOON = local(SHANGHAI, hour=12)


# --- profiles that need consent ----------------------------------------------------------------


def test_a_cn_borrower_without_consent_gets_no_sms_and_with_consent_does(db):
    case = cn_case(consent=False)
    decision = decide(case, NOON, SMS)
    assert refused_for_consent(decision) and decision.next_allowed_at is None and not decision.overridable
    assert consent_params(decision) == {"channel": "sms", "withdrawn_at": None}
    with override("en"):
        assert "No recorded consent from the borrower to sms contact." in decision.explanations
    # Calls need no consent.
    assert decide(case, NOON, CALL).allowed

    consent.grant_consent(
        case.account.borrower,
        SMS,
        granted_via="written",
        evidence="signed form, scan in the loan file",
        by=make_user("Collector"),
        at=timezone.now() - timedelta(days=1),
        contact_point=case.points[0],
    )
    assert decide(case, NOON, SMS).allowed
    # A grant at one number does not reach the other.
    assert refused_for_consent(decide(case, NOON, SMS, point=case.points[1]))


def test_profiles_that_need_no_consent_send_without_one(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",), consent=False)
    assert decide(case, local(NEW_YORK, hour=12), SMS).allowed


def test_us_nyc_allows_one_consent_request_and_no_second(db):
    case = phone_case(profile="US-NYC", zone="America/New_York", phones=("+12125550123",), consent=False)
    at = local(NEW_YORK, hour=12)
    request = MessageTemplate.objects.create(
        code="sms-consent-request",
        channel=SMS,
        language="en",
        body="{lender_name}: may we text you about your account? Reply YES.",
        is_consent_request=True,
        approved_at=timezone.now(),
    )
    reminder = MessageTemplate.objects.create(
        code="sms-reminder-en", channel=SMS, language="en", body="Please pay.", approved_at=timezone.now()
    )
    assert refused_for_consent(decide(case, at, SMS, template=reminder))
    assert decide(case, at, SMS, template=request).allowed
    make_attempt(case, at - timedelta(days=2), channel=SMS, outcome="sent", point=case.points[0], template=request)
    second = decide(case, at, SMS, template=request)
    assert refused_for_consent(second) and consent_params(second)["withdrawn_at"] is None


# --- withdrawals, by scope ---------------------------------------------------------------------


def test_a_withdrawal_at_one_number_leaves_the_other_open(db):
    case = cn_case()
    revocation = revoke(case, RevocationScope.CONTACT_POINT, SMS, case.points[0])
    first = decide(case, NOON, SMS)
    assert refused_for_consent(first)
    assert consent_params(first) == {"channel": "sms", "withdrawn_at": revocation.revoked_at.isoformat()}
    assert decide(case, NOON, SMS, point=case.points[1]).allowed
    assert decide(case, NOON, CALL).allowed  # a text withdrawal is not a call withdrawal


def test_a_withdrawal_of_the_channel_closes_every_number_on_it_and_nothing_else(db):
    case = cn_case()
    revoke(case, RevocationScope.CHANNEL, SMS)
    assert refused_for_consent(decide(case, NOON, SMS))
    assert refused_for_consent(decide(case, NOON, SMS, point=case.points[1]))
    assert decide(case, NOON, EMAIL, point=case.email).allowed
    assert decide(case, NOON, CALL).allowed


def test_a_withdrawal_of_electronic_channels_stops_email_and_sms_but_not_calls(db):
    case = cn_case()
    revoke(case, RevocationScope.ELECTRONIC)
    assert refused_for_consent(decide(case, NOON, SMS))
    assert refused_for_consent(decide(case, NOON, EMAIL, point=case.email))
    assert decide(case, NOON, CALL).allowed


def test_a_withdrawal_of_everything_stops_calls_too(db):
    case = cn_case()
    revoke(case, RevocationScope.EVERYTHING)
    assert refused_for_consent(decide(case, NOON, CALL))


def test_a_withdrawal_is_honoured_where_no_consent_is_needed(db):
    case = phone_case(profile="US-REGF", zone="America/New_York", phones=("+12125550123",), consent=False)
    revoke(case, RevocationScope.CHANNEL, SMS)
    assert refused_for_consent(decide(case, local(NEW_YORK, hour=12), SMS))


def test_a_later_consent_reopens_the_channel(db):
    case = cn_case()
    revoke(case, RevocationScope.CHANNEL, SMS, at=timezone.now() - timedelta(days=2))
    assert refused_for_consent(decide(case, NOON, SMS))
    consent.grant_consent(
        case.account.borrower, SMS, granted_via="recorded_call", evidence="call recording 42", by=None
    )
    assert decide(case, NOON, SMS).allowed
    status = consent.consent_status(case.account.borrower, SMS, case.points[0], at=NOON)
    assert status.allowed and status.needed and status.granted_at > status.withdrawn_at


def test_a_withdrawal_cancels_the_queued_messages_it_covers_in_the_same_transaction(db):
    case = cn_case()
    template = MessageTemplate.objects.create(
        code="sms-reminder",
        channel=SMS,
        language="zh-hans",
        body="【{lender_name}】请还款。",
        approved_at=timezone.now(),
    )
    email_template = MessageTemplate.objects.create(
        code="email-reminder", channel=EMAIL, language="zh-hans", body="请还款。", approved_at=timezone.now()
    )

    def queued(point, channel, tpl, minutes):
        return OutboundMessage.objects.create(
            case=case,
            channel=channel,
            template=tpl,
            contact_point=point,
            slot=NOON + timedelta(minutes=minutes),
            scheduled_for=NOON,
            idempotency_key=f"k{minutes}",
        )

    to_first = queued(case.points[0], SMS, template, 1)
    to_second = queued(case.points[1], SMS, template, 2)
    by_email = queued(case.email, EMAIL, email_template, 3)
    revocation = revoke(case, RevocationScope.CONTACT_POINT, SMS, case.points[0], by=make_user("Supervisor"))
    assert [m.pk for m in revocation.cancelled] == [to_first.pk]
    for message in (to_first, to_second, by_email):
        message.refresh_from_db()
    assert to_first.state == OutboundMessage.State.SUPPRESSED
    assert to_first.suppressed_reasons == ["consent_required"]
    assert to_first.suppressed_params == [
        {"reason": "consent_required", "params": {"channel": "sms", "withdrawn_at": revocation.revoked_at.isoformat()}}
    ]
    assert to_first.history.first().history_change_reason == "consent withdrawn"
    assert to_second.state == by_email.state == OutboundMessage.State.SCHEDULED
    with override("en"):
        assert to_first.suppression_explanations[0].startswith("The borrower withdrew consent to sms contact on ")


# --- the services refuse what the ledger cannot hold ---------------------------------------------


@pytest.mark.parametrize(
    ("channel", "point_of", "message"),
    [
        (CALL, None, "electronic channels"),
        (SMS, "other", "another borrower"),
        (EMAIL, "phone", "does not reach"),
    ],
)
def test_consent_is_recorded_only_for_an_electronic_channel_at_a_point_it_reaches(db, channel, point_of, message):
    case = cn_case(consent=False)
    other = phone_case(phones=("+8613800000009",))
    point = {"other": other.points[0] if point_of == "other" else None, "phone": case.points[0], None: None}[point_of]
    with pytest.raises(consent.ConsentError, match=message):
        consent.grant_consent(
            case.account.borrower, channel, granted_via="written", evidence="x", by=None, contact_point=point
        )
    assert not case.account.borrower.consents.exists()


def test_a_consent_needs_its_evidence_and_a_withdrawal_its_target(db):
    case = cn_case(consent=False)
    with pytest.raises(consent.ConsentError, match="proof"):
        consent.grant_consent(case.account.borrower, SMS, granted_via="written", evidence="  ", by=None)
    with pytest.raises(consent.ConsentError, match="contact point"):
        revoke(case, RevocationScope.CONTACT_POINT, SMS)
    with pytest.raises(consent.ConsentError, match="future"):
        revoke(case, RevocationScope.CHANNEL, SMS, at=timezone.now() + timedelta(days=1))
    assert not ConsentRevocation.objects.exists()


def test_only_staff_who_may_record_consent_do(db):
    case = cn_case(consent=False)
    with pytest.raises(consent.ServiceError):
        consent.grant_consent(
            case.account.borrower, SMS, granted_via="written", evidence="form", by=make_user("Field agent")
        )


# --- the outbox and the contract consent the feed imports ----------------------------------------


def test_the_outbox_drops_a_reminder_to_a_cn_borrower_without_consent(db, tmp_path, settings):
    from contacts import outbox

    settings.OUTBOX_DIR = tmp_path / "outbox"
    case = cn_case(consent=False)
    template = MessageTemplate.objects.create(
        code="sms-reminder",
        channel=SMS,
        language="zh-hans",
        body="【{lender_name}】请还款。",
        approved_at=timezone.now(),
    )
    at = local(SHANGHAI, hour=10)
    message = OutboundMessage.objects.create(
        case=case, channel=SMS, template=template, contact_point=case.points[0], slot=at, scheduled_for=at,
        idempotency_key="no-consent",
    )  # fmt: skip
    with frozen(at):
        assert outbox.dispatch_outbox()["suppressed"] == 1
    message.refresh_from_db()
    assert message.state == OutboundMessage.State.SUPPRESSED and message.suppressed_reasons == ["consent_required"]


def test_imported_consent_leaves_a_later_withdrawal_alone(db):
    case = cn_case(consent=False)
    point = case.points[0]
    revoke(case, RevocationScope.CONTACT_POINT, SMS, point)
    made = consent.grant_imported_consents([(point, "feed.csv, line 2"), (case.points[1], "feed.csv, line 2")])
    assert [c.contact_point for c in made] == [case.points[1]]
    assert made[0].granted_via == "imported" and made[0].history.first().history_change_reason == "loan feed import"
    assert refused_for_consent(decide(case, NOON, SMS))
    assert decide(case, NOON, SMS, point=case.points[1]).allowed


def test_factories_grant_the_contract_consent_by_default(db):
    case = cn_case()
    assert decide(case, NOON, SMS).allowed
    assert not ContactPoint.objects.filter(borrower=case.account.borrower, kind="social").exists()
    grant_contract_consent(case.account.borrower)  # granting again changes nothing
    assert decide(case, NOON, SMS).allowed


def test_the_loan_feed_grants_the_contract_consent_it_reports(db):
    from cases.imports import import_accounts
    from cases.models import Borrower
    from tests.feeds import SMITH, WANG

    assert import_accounts([{**WANG, "electronic_consent": "Yes"}, {**SMITH, "electronic_consent": ""}]).ok
    wang = Borrower.objects.get(national_id=WANG["national_id"])
    granted = {(c.channel, c.contact_point.value, c.granted_via, c.evidence) for c in wang.consents.all()}
    assert granted == {
        ("sms", "+8613812345678", "imported", "loan feed, line 2"),
        ("email", "wang.wei@example.com", "imported", "loan feed, line 2"),
    }
    assert not Borrower.objects.get(full_name="John Smith").consents.exists()
    # Importing the file again grants nothing twice.
    assert import_accounts([{**WANG, "electronic_consent": "yes"}]).ok
    assert wang.consents.count() == 2
    refused = import_accounts([{**WANG, "electronic_consent": "maybe"}])
    assert not refused.ok and refused.errors[0].field == "electronic_consent"


# --- what reviewers and staff see ----------------------------------------------------------------


def test_the_dossier_shows_the_consent_ledger_in_words(db, reviewer):
    import re

    from django.urls import reverse

    from contacts.models import InboundMessage
    from tests.clients import client_for

    case = cn_case()
    point = case.points[0]
    message = InboundMessage.objects.create(
        channel=SMS, sender="13800000001", contact_point=point, borrower=case.account.borrower, body="退订",
        provider_message_id="p-1", keyword="退订",
    )  # fmt: skip
    consent.revoke_consent(
        case.account.borrower, RevocationScope.CONTACT_POINT, channel=SMS, contact_point=point,
        via=ConsentRevocation.Via.INBOUND_REPLY, by=None, evidence="inbound SMS p-1", inbound_message=message,
    )  # fmt: skip
    page = client_for(reviewer).get(reverse("compliance:dossier", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = re.sub(r"<[^>]+>", " ", page.content.decode())
    assert "Consent to electronic messages" in text and "Imported with the loan (contract)" in text
    assert "loan contract (test factory)" in text
    assert "Consent withdrawn" in text and "Reply to a message" in text and "inbound SMS p-1" in text
    assert f"SMS at Phone {point.masked_value}" in text and "Messages the borrower sent us" in text
    for raw in ("contact_point", "inbound_reply", "imported", "sms "):
        assert raw not in text.replace("Imported with", ""), raw
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text)


def test_staff_record_a_withdrawal_through_the_admin_and_it_stops_the_queue(db, supervisor):
    from django.urls import reverse

    from tests.clients import client_for

    case = cn_case()
    template = MessageTemplate.objects.create(
        code="sms-reminder",
        channel=SMS,
        language="zh-hans",
        body="【{lender_name}】请还款。",
        approved_at=timezone.now(),
    )
    waiting = OutboundMessage.objects.create(
        case=case, channel=SMS, template=template, contact_point=case.points[1], slot=NOON, scheduled_for=NOON,
        idempotency_key="admin-1",
    )  # fmt: skip
    response = client_for(supervisor).post(
        reverse("admin:contacts_consentrevocation_add"),
        {"borrower": case.account.borrower.pk, "scope": "channel", "channel": "sms", "via": "call",
         "evidence": "said so on the call of 3 May", "revoked_at_0": "", "revoked_at_1": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    revocation = ConsentRevocation.objects.get()
    assert revocation.recorded_by == supervisor and revocation.history.first().history_user == supervisor
    waiting.refresh_from_db()
    assert waiting.state == OutboundMessage.State.SUPPRESSED
