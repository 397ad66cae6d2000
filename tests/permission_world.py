"""The world the permission matrix (tests/test_permission_matrix.py) and the masking tests
run in: one of every record, all hanging off one case assigned to collector ``C``, and how
a cell of the matrix is requested in a savepoint rolled back afterwards."""

import copy
from datetime import timedelta
from decimal import Decimal
import uuid

from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessChange, EnrolmentCode
from api import keys as api_keys
from api import webhooks
from api.models import ApiCall, WebhookDelivery
from audit.ledger import seal_pending
from audit.models import AuditLedger
from audit.services import log_pii_access
from cases import services as case_services
from cases.models import (
    CaseEvent,
    ContactPoint,
    ForbearanceAssessment,
    Hold,
    Installment,
    PromiseToPay,
    RepaymentPlan,
    TeamMember,
)
from compliance import services as compliance_services
from compliance.models import Complaint
from contacts.models import (
    ChannelOptOut,
    Consent,
    ConsentRevocation,
    InboundMessage,
    MessageTemplate,
    OutboundMessage,
)
from core.models import JobRun
from desk import notifications
from desk.models import Notification
from policy.codes import Channel
from policy.models import PolicyProfile
from policy.selectors import current_profile
from tests.clients import sign_in
from tests.factories import PDF_BYTES, PNG_BYTES, create_case, make_attempt, make_user
from visits.models import FieldAgent, FieldVisit, VisitReportDraft, VisitState

ACTORS = ["anon", "C", "Cx", "F", "Fx", "S", "R", "A"]
# The download views of uploaded files take the record and the field.
FILE_FIELDS = {
    "hold_file": "evidence",
    "visits:file": "agreement_file",
    "visits:draft_file": "agreement_file",
    "visits:agent_file": "photo",
}
ROLE_OF = {
    "C": "Collector",
    "Cx": "Collector",
    "F": "Field agent",
    "Fx": "Field agent",
    "S": "Supervisor",
    "R": "Compliance reviewer",
    "A": "Administrator",
}


# --- the world ----------------------------------------------------------------------------------


class World(dict):
    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


def build_world() -> World:
    w = World()
    for actor, role in ROLE_OF.items():
        w[actor] = make_user(role, username=f"matrix-{actor.lower()}")
    for actor, badge in (("F", "MX-1"), ("Fx", "MX-2")):
        w[f"agent_{actor}"] = FieldAgent.objects.create(
            user=w[actor], badge_number=badge, regions="Shanghai", photo=_stored("agent-photos/matrix.png", PNG_BYTES)
        )
    w.agent = w.agent_F
    # C is in S's team (S may open C's and C's cases' intensity charts); Cx is in no team.
    w.team_member = TeamMember.objects.create(user=w.C, supervisor=w.S, languages="zh-hans", regions="Shanghai")
    case = create_case(dpd=100, collector=w.C)
    w.case, w.account, w.borrower = case, case.account, case.account.borrower
    w.phone = w.borrower.contact_points.get(kind="phone")
    w.postal = ContactPoint.objects.create(borrower=w.borrower, kind="postal", value="上海市黄浦区人民路1号")
    w.payment = case_services.record_payment(
        w.account, Decimal("10.00"), timezone.now() - timedelta(days=1), "MATRIX-1", by=w.S
    )
    w.event = CaseEvent.objects.filter(case=case).first()
    w.hold = Hold.objects.create(
        case=case,
        kind=Hold.Kind.HARDSHIP,
        placed_by=w.S,
        released_at=timezone.now(),
        released_by=w.S,
        evidence=_stored("hold-evidence/matrix.pdf", PDF_BYTES),
    )
    w.assessment = ForbearanceAssessment.objects.create(
        case=case,
        circumstances="Lost the second job in October.",
        options_offered=["payment_holiday", "repayment_plan"],
        answer="accepted",
        accepted_option="repayment_plan",
        debt_advice_offered=True,
        assessed_by=w.C,
    )
    w.promise = PromiseToPay.objects.create(
        case=case,
        amount=Decimal("50"),
        currency="CNY",
        due_date=timezone.localdate() + timedelta(days=3),
        created_by=w.C,
        status=PromiseToPay.Status.KEPT,
    )
    w.plan = RepaymentPlan.objects.create(
        case=case, total_amount=Decimal("100"), currency="CNY", created_by=w.C, beyond_policy=True
    )
    w.installment = Installment.objects.create(
        plan=w.plan, sequence=1, amount=Decimal("100"), due_date=timezone.localdate() + timedelta(days=30)
    )
    w.jobrun = JobRun.objects.create(job="nightly_cycle")
    w.import_run = JobRun.objects.create(
        job="import_accounts",
        status=JobRun.Status.FAILED,
        counts={"errors": 1},
        details={"file": "feed.csv", "kind": "accounts", "errors": [[2, "principal", "required", {}]]},
    )
    w.user, w.group = w.C, Group.objects.get(name="Collector")
    w.profile = PolicyProfile.objects.get(pk=current_profile("CN").pk)
    w.template = MessageTemplate.objects.create(
        code="matrix-sms", channel="sms", language="en", body="Please pay.", created_by=w.A
    )
    w.optout = ChannelOptOut.objects.create(borrower=w.borrower, channel=Channel.SMS, recorded_by=w.C)
    w.attempt = make_attempt(case, timezone.now() - timedelta(days=2), agent=w.C)
    w.consent = Consent.objects.create(
        borrower=w.borrower,
        channel=Channel.SMS,
        contact_point=w.phone,
        granted_via=Consent.GrantedVia.WRITTEN,
        evidence="Signed form in the loan file.",
        recorded_by=w.C,
    )
    w.inbound = InboundMessage.objects.create(
        channel=Channel.SMS,
        sender=w.phone.value,
        contact_point=w.phone,
        borrower=w.borrower,
        body="退订",
        provider_message_id="matrix-in-1",
        keyword="退订",
    )
    w.revocation = ConsentRevocation.objects.create(
        borrower=w.borrower,
        scope="contact_point",
        channel=Channel.SMS,
        contact_point=w.phone,
        via=ConsentRevocation.Via.INBOUND_REPLY,
        inbound_message=w.inbound,
        evidence="Reply to a reminder.",
    )
    w.outbound = OutboundMessage.objects.create(
        case=case,
        channel=Channel.SMS,
        template=w.template,
        contact_point=w.phone,
        slot=timezone.now(),
        scheduled_for=timezone.now(),
        idempotency_key="matrix-1",
        state=OutboundMessage.State.SUPPRESSED,
    )
    window = dict(window_start=timezone.now() - timedelta(hours=1), window_end=timezone.now() + timedelta(hours=1))
    w.visit = FieldVisit.objects.create(
        case=case, requested_by=w.C, reason="Numbers changed.", address="上海市黄浦区人民路1号", **window
    )
    w.live_visit = FieldVisit.objects.create(
        case=case,
        requested_by=w.C,
        reason="Earlier request.",
        address="上海市黄浦区人民路1号",
        state=VisitState.IN_PROGRESS,
        approver=w.S,
        checked_in_at=timezone.now(),
        agreement_file=_stored("visit-agreements/matrix.pdf", PDF_BYTES),
        **window,
    )
    for visit in (w.visit, w.live_visit):
        visit.agents.set([w.agent_F])
    VisitReportDraft.objects.create(
        visit=w.live_visit,
        saved_by=w.F,
        values={"outcome": "not_at_home"},
        agreement_file=_stored("visit-agreements/draft.pdf", PDF_BYTES),
    )
    w.finding = compliance_services.raise_finding(by=w.R, severity="low", summary="Tone", case=case)
    w.sample = compliance_services.queue_sample(case, by=w.R, agent=w.C)
    w.complaint = compliance_services.record_complaint(
        by=w.R,
        borrower=w.borrower,
        channel=Complaint.Channel.values[0],
        category=Complaint.Category.values[0],
        description="Called too often.",
        case=case,
    )
    w.notification = notifications.notify(
        [w.C], Notification.Kind.PLAN_BROKEN, plan=w.plan.pk, case=case.pk, loan=w.account.loan_number
    )[0]
    w.accesslog = log_pii_access(w.S, w.borrower, "matrix")
    seal_pending()
    w.ledger = AuditLedger.objects.order_by("seq").first()
    sign_in_record = dict(
        username=w.C.username, ip_address="10.0.0.9", user_agent="matrix", http_accept="*/*", path_info="/admin/login/"
    )
    w.axes_attempt = AccessAttempt.objects.create(failures_since_start=1, **sign_in_record)
    w.axes_log = AxesAccessLog.objects.create(**sign_in_record)
    w.api_client, _key = api_keys.create_client(name="Dialer", scopes=["contact:check"], by=w.A)
    w.api_call = ApiCall.objects.create(client=w.api_client, method="POST", path="/api/v1/contact/check", status=200)
    w.webhook_endpoint = webhooks.create_endpoint(
        name="Lender", url="https://lender.example/hooks", events=["case.closed"], by=w.A
    )
    w.webhook_delivery = WebhookDelivery.objects.create(
        endpoint=w.webhook_endpoint, event_id=uuid.uuid4(), event_type="case.closed", payload={"data": {}}
    )
    w.axes_failure = AccessFailureLog.objects.create(**sign_in_record)
    # Unconfirmed: an enrolment left half-way does not make the collector use two-factor.
    w.totp_device = TOTPDevice.objects.create(user=w.C, name="matrix", confirmed=False)
    w.access_change = AccessChange.objects.create(
        user=w.C,
        kind=AccessChange.Kind.GRANT_ROLE,
        role=Group.objects.get(name="Supervisor"),
        reason="Matrix.",
        requested_by=w.A,
    )
    w.enrolment_code = EnrolmentCode.objects.create(
        user=w.Cx, code_hash="0" * 64, issued_by=w.A, expires_at=timezone.now() + timedelta(days=1)
    )
    return w


def _stored(name: str, content: bytes) -> str:
    """A file in the media folder as an upload would have left it (written once, reused)."""
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    return name


# --- requesting ------------------------------------------------------------------------------


def args_for(entry, w):
    name, obj = entry["name"], entry["obj"]
    if obj is None:
        return []
    if name == "admin:app_list":
        return [obj]
    target = w[obj]
    if name.endswith("_simple_history"):
        first = target.history.order_by("history_id").first()
        return [target.pk, first.history_id if first else 1]
    if name == "admin:view_on_site":
        return [ContentType.objects.get_for_model(target).pk, target.pk]
    if name == "admin:cases_collectioncase_transition":
        return [target.pk, "start_reminders"]
    if name in FILE_FIELDS:
        return [target.pk, FILE_FIELDS[name]]
    if name == "verify_photo":
        return [target.verification_code, w.agent_F.pk]
    return [target.pk]


def outcome_of(response) -> str:
    if response.status_code == 302:
        return "login" if "/login/" in response["Location"] else "302"
    return str(response.status_code)


def request(client, entry, w) -> str:
    url = reverse(entry["name"], args=args_for(entry, w))
    data = entry["data"](w) if callable(entry["data"]) else entry["data"]
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if entry["method"] == "GET":
            response = client.get(url, data or {})
        else:
            response = client.post(url, data or {})
        transaction.set_rollback(True)
    client.cookies = cookies  # the session as it was (a logout, say, is undone with the savepoint)
    return outcome_of(response)


def client_for(w, actor) -> Client:
    client = Client(raise_request_exception=True)
    if actor != "anon":
        sign_in(client, w[actor])
    return client


def key(entry) -> str:
    return f"{entry['name']} {entry['method']}"
