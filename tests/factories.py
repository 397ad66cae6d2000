"""
Test factories, one per model a test needs to make, shared by every test module (tests
import from here, never from another test module). Each builds a valid row with the
fewest arguments, through the services where the services own the rule (a case is
opened by ``open_case``, climbs by ``escalate``), directly where the row is history
(a contact that already happened).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
import itertools

from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services as case_services
from cases.models import Borrower, CaseState, CollectionCase, ContactPoint, LoanAccount
from contacts.models import Consent, ContactAttempt, MessageTemplate
from contacts.services import approve_template, save_template_version
from policy.codes import ELECTRONIC_CHANNELS, Channel, Outcome
from policy.selectors import current_profile
from visits.models import FieldAgent

ROLES = ["Collector", "Field agent", "Supervisor", "Compliance reviewer", "Administrator"]

_numbers = itertools.count(1)


# --- people ---------------------------------------------------------------------------------


def make_user(role: str | None, username: str | None = None) -> User:
    """A staff user in ``role`` (a group from roles.py), or in none."""
    user = User.objects.create_user(
        username or f"{(role or 'user').lower().replace(' ', '_')}{next(_numbers)}",
        password="pw-for-tests-1",
        is_staff=True,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_field_agent(
    *, badge: str | None = None, regions: str = "Shanghai, Suzhou", username: str | None = None, last_name: str = "Liu"
) -> FieldAgent:
    user = make_user("Field agent", username=username)
    user.first_name, user.last_name = "Qiang", last_name
    user.save()
    return FieldAgent.objects.create(user=user, badge_number=badge or f"SH-{next(_numbers):03d}", regions=regions)


# --- the book: borrower, contact point, account, case ---------------------------------------


# When the loan contract the factories' borrowers signed gave their consent: before any
# instant a test judges a contact at.
CONTRACT_SIGNED = datetime(2020, 1, 1, tzinfo=UTC)
EVERY_ELECTRONIC_CHANNEL = tuple(sorted(ELECTRONIC_CHANNELS))


def make_borrower(
    *,
    profile: str = "CN",
    zone: str = "Asia/Shanghai",
    vulnerable: bool = False,
    name: str | None = None,
    consent: bool = True,
) -> Borrower:
    """A borrower who, unless ``consent=False``, consented in the loan contract to every
    electronic channel (CN and US-NYC need it: tests about other rules keep their meaning)."""
    number = next(_numbers)
    borrower = Borrower.objects.create(
        full_name=name or f"测试 Borrower {number}",
        national_id=f"11010119900307{number:04d}",
        policy_profile_code=profile,
        home_time_zone=zone,
        vulnerable=vulnerable,
    )
    if consent:
        grant_contract_consent(borrower)
    return borrower


def grant_contract_consent(borrower: Borrower, channels=EVERY_ELECTRONIC_CHANNEL) -> list[Consent]:
    """Imported, channel-wide consents from the loan contract, as the loan feed grants them."""
    return [
        Consent.objects.create(
            borrower=borrower,
            channel=channel,
            granted_via=Consent.GrantedVia.IMPORTED,
            evidence="loan contract (test factory)",
            granted_at=CONTRACT_SIGNED,
        )
        for channel in channels
    ]


def make_contact_point(
    borrower: Borrower, value: str | None = None, *, kind: str = "phone", primary: bool = False, **fields
) -> ContactPoint:
    """A validated contact point (numbers are normalised and checked as the admin would)."""
    point = ContactPoint(
        borrower=borrower, kind=kind, value=value or f"+86138{next(_numbers):08d}", is_primary=primary, **fields
    )
    point.full_clean()
    point.save()
    return point


def make_account(
    borrower: Borrower, *, dpd: int = 10, outstanding: Decimal = Decimal("5000.00"), currency: str = "CNY"
) -> LoanAccount:
    return LoanAccount.objects.create(
        borrower=borrower,
        loan_number=f"T-{next(_numbers):06d}",
        product="Consumer loan",
        currency=currency,
        principal=outstanding,
        outstanding_principal=outstanding,
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=dpd) if dpd else None,
    )


def create_case(
    *,
    dpd: int = 10,
    outstanding: Decimal = Decimal("5000.00"),
    profile: str = "CN",
    collector: User | None = None,
    vulnerable: bool = False,
    currency: str = "CNY",
    consent: bool = True,
) -> CollectionCase:
    """An open case on a new borrower with one primary mobile number, opened by the service."""
    borrower = make_borrower(profile=profile, vulnerable=vulnerable, consent=consent)
    ContactPoint.objects.create(borrower=borrower, kind="phone", value=f"+86138{next(_numbers):08d}", is_primary=True)
    account = make_account(borrower, dpd=dpd, outstanding=outstanding, currency=currency)
    return case_services.open_case(account, collector=collector)


def climb_to(case: CollectionCase, state: str, by=None) -> CollectionCase:
    """Climb the ladder through the service until ``case`` stands on ``state``."""
    while case.state != state:
        case_services.escalate(case, by=by, reason="test setup")
    return case


def phone_case(
    profile="CN", zone="Asia/Shanghai", dpd=40, rung=CaseState.PHONE, phones=("+8613800000001",), consent=True
):
    """A case on ``rung`` whose borrower lives in ``zone`` and has exactly ``phones``;
    ``case.points`` lists them."""
    case = create_case(dpd=dpd, profile=profile, currency="CNY", consent=consent)
    borrower = case.account.borrower
    borrower.home_time_zone = zone
    borrower.save()
    ContactPoint.objects.filter(borrower=borrower).delete()
    points = [make_contact_point(borrower, number) for number in phones]
    climb_to(case, rung)
    case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
    case.points = points
    return case


# --- contacts that already happened ----------------------------------------------------------


def make_attempt(
    case,
    at,
    *,
    agent=None,
    allowed=True,
    reasons=(),
    channel=Channel.PHONE_CALL,
    outcome=Outcome.NO_ANSWER,
    point=None,
    conversation=False,
    overridden_by=None,
    override_reason="",
    profile=None,
    message_text="",
    template=None,
) -> ContactAttempt:
    """A contact attempt that already happened, stored (with its history row) as
    record_attempt would store it, at any instant — for the scans, dossiers and caps."""
    borrower = case.account.borrower
    if point is None and channel in (Channel.PHONE_CALL, Channel.SMS):
        point = borrower.contact_points.filter(kind="phone").first()
    made = ContactAttempt(
        case=case,
        borrower=borrower,
        channel=channel,
        started_at=at,
        agent=agent,
        contact_point=point,
        outcome=outcome if allowed else "",
        conversation=conversation,
        allowed=allowed,
        reasons=list(reasons),
        explanations=[f"refused: {reason}" for reason in reasons],
        overridden_by=overridden_by,
        override_reason=override_reason,
        message_text=message_text,
        template=template,
        profile=profile or current_profile(borrower.policy_profile_code),
    )
    made._history_user = agent
    made._change_reason = "blocked" if not allowed else ("overridden" if overridden_by else "allowed")
    made.save()
    return made


def past(
    case,
    at,
    *,
    channel=Channel.PHONE_CALL,
    outcome=Outcome.NO_ANSWER,
    point=None,
    conversation=False,
    allowed=True,
    other_case=None,
) -> ContactAttempt:
    """A contact that already happened on ``case`` (or the same borrower's ``other_case``),
    to the case's first point by default: history for the caps."""
    target = other_case or case
    return ContactAttempt.objects.create(
        case=target,
        borrower_id=target.account.borrower_id,
        channel=channel,
        started_at=at,
        outcome=outcome,
        contact_point=point if point is not None else (case.points[0] if channel in ("phone_call", "sms") else None),
        conversation=conversation,
        allowed=allowed,
        profile=current_profile(target.account.borrower.policy_profile_code),
    )


def add_failed_attempts(case, calls=4, texts=2) -> None:
    """Unanswered calls, then texts, one a day going back from yesterday."""
    profile = current_profile(case.account.borrower.policy_profile_code)
    point = case.account.borrower.contact_points.filter(kind="phone").first()
    for day in range(calls + texts):
        ContactAttempt.objects.create(
            case=case,
            borrower_id=case.account.borrower_id,
            allowed=True,
            profile=profile,
            contact_point=point,
            channel=Channel.PHONE_CALL if day < calls else Channel.SMS,
            outcome=Outcome.NO_ANSWER if day < calls else Outcome.SENT,
            started_at=timezone.now() - timedelta(days=day + 1),
        )


def eligible_case(*, dpd=95, outstanding=Decimal("20000"), calls=4, texts=2, notice_days_ago=10, collector=None):
    """A case a field visit may be requested for: on the written-notice rung, the notice
    sent ``notice_days_ago``, the remote attempts failed, a postal address in Shanghai."""
    supervisor = make_user("Supervisor")
    case = create_case(dpd=dpd, outstanding=outstanding, collector=collector)
    borrower = case.account.borrower
    borrower.region = "Shanghai"
    borrower.save()
    ContactPoint.objects.create(borrower=borrower, kind="postal", value="上海市黄浦区人民路1号", is_primary=True)
    climb_to(case, CaseState.WRITTEN_NOTICE, by=supervisor)
    case_services.record_written_notice(case, sent_at=timezone.now() - timedelta(days=notice_days_ago), by=supervisor)
    add_failed_attempts(case, calls, texts)
    return CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)


# --- messages ----------------------------------------------------------------------------------


def approved_template(
    code: str,
    channel: str,
    body: str,
    *,
    language: str = "zh-hans",
    subject: str = "",
    required_notice: bool = False,
    author=None,
    reviewer=None,
    signed: bool = True,
) -> MessageTemplate:
    """A template version written by an administrator and approved by a reviewer. Signed
    with the lender's name unless told not to (Chinese text messages carry a 【signature】,
    and a case's first contact must name the lender: CBA 2026)."""
    if signed and "{lender_name}" not in body + subject:
        body = "【{lender_name}】" + body if language == "zh-hans" else "{lender_name}: " + body
    template = save_template_version(
        code=code,
        channel=channel,
        language=language,
        body=body,
        subject=subject,
        by=author or make_user("Administrator"),
        is_required_notice=required_notice,
    )
    return approve_template(template, by=reviewer or make_user("Compliance reviewer"))


# --- uploaded files ------------------------------------------------------------------------------
#
# What the site checks is the content's first bytes (core/uploads.py), so each helper writes a
# real signature; the name and the browser's content type are whatever a test wants to claim.

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
SVG_BYTES = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML_BYTES = b"<!doctype html><html><body><script>alert(document.domain)</script></body></html>"


def uploaded(content: bytes, name: str = "document.pdf", content_type: str = "application/pdf"):
    """A file as a browser would upload it: for services and test clients."""
    return SimpleUploadedFile(name, content, content_type=content_type)
