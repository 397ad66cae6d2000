"""/api/v1/ writes: the loan system's accounts and payments, a dialer's contact attempts, a
messaging platform's inbound replies. Each view is thin: it reads the body, calls the
service that the staff pages and the loan feed use, and answers; each runs in one
transaction, so an answer is never given for something that did not commit."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from cases.models import ContactPoint
from contacts import inbound, services
from contacts.engine import ContactRequestError
from core.exceptions import ServiceError

from . import contact_checks, feed
from .models import Scope
from .serializers import Errors
from .views import ERRORS, ApiView
from .write_serializers import (
    ContactAttemptRecorded,
    ContactAttemptRefused,
    ContactAttemptWrite,
    InboundMessageWrite,
    InboundRecorded,
    LoanAccountRead,
    LoanAccountWrite,
    LoanAccountWritten,
    PaymentRecorded,
    PaymentWrite,
)

REFUSED = OpenApiResponse(Errors, description="Refused, with each problem's field and sentence; nothing written.")
NOT_FOUND = OpenApiResponse(Errors, description="No account with this loan number.")
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any string up to 255 characters: the same request sent again with the same key gets the first "
    "answer and writes nothing; the same key with another request is refused (422 idempotency_key_reused).",
)


class Refused(exceptions.APIException):
    """An answer with the problems as the errors list: {field: [ErrorDetail(message, code)]}."""

    status_code = 422

    def __init__(self, problems: dict, status_code: int = 422):
        super().__init__(problems)
        self.status_code = status_code


def _refused(problems, status_code: int = 422) -> Refused:
    """The importer's problems (RowError: field, code, message) as an API refusal."""
    detail: dict[str, list] = {}
    for problem in problems:
        detail.setdefault(problem.field or "non_field_errors", []).append(
            exceptions.ErrorDetail(problem.message, code=problem.code)
        )
    return Refused(detail, status_code)


def _one(field: str, message: str, code: str, status_code: int = 422) -> Refused:
    return Refused({field: [exceptions.ErrorDetail(message, code=code)]}, status_code)


def _checked_loan_number(loan_number: str) -> str:
    """The path's loan number as the feed would store it, or a refusal: spaces around it
    would be stripped (and the lender's system would never find it again by the number it
    knows), and PostgreSQL stores no NUL, so neither reaches a query."""
    if loan_number != loan_number.strip() or "\x00" in loan_number:
        raise _one("loan_number", "A loan number has no spaces or control characters around it.", "invalid")
    return loan_number


def _validated(serializer_class, data):
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class LoanAccountView(ApiView):
    """PUT writes (loans:write); GET reads (cases:read)."""

    @property
    def required_scope(self):
        return Scope.CASES_READ if self.request.method == "GET" else Scope.LOANS_WRITE

    @extend_schema(
        operation_id="loan_read",
        summary="An account's balance and its case: is contact stopped?",
        responses={200: LoanAccountRead, 404: NOT_FOUND, 422: REFUSED, **ERRORS},
    )
    def get(self, request, loan_number):
        answer = feed.read_account(_checked_loan_number(loan_number))
        if answer is None:
            raise _one("loan_number", "No account has this loan number.", "unknown_loan", 404)
        return Response(LoanAccountRead(answer).data)

    @extend_schema(
        operation_id="loan_upsert",
        summary="Create or update an account with its borrower and contact points",
        description="The loan feed's account columns, as text, checked exactly as the accounts file is. An "
        "overdue account (oldest_unpaid_due_date in the past) gets its collection case in this call.",
        request=LoanAccountWrite,
        responses={200: LoanAccountWritten, 201: LoanAccountWritten, 422: REFUSED, **ERRORS},
    )
    def put(self, request, loan_number):
        loan_number = _checked_loan_number(loan_number)
        values = _validated(LoanAccountWrite, request.data)
        with transaction.atomic():
            try:
                answer = feed.upsert_account(loan_number, dict(values), client=request.user.client)
            except feed.FeedRefused as refusal:
                raise _refused(refusal.problems) from None
        created = answer["outcome"] == "created"
        return Response(
            LoanAccountWritten(answer).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class PaymentView(ApiView):
    required_scope = Scope.PAYMENTS_WRITE

    @extend_schema(
        operation_id="payment_post",
        summary="Post a payment (idempotent by the lender's reference)",
        description="Checked exactly as a line of the payments file. A payment that clears the balance resolves "
        "the case and stops its scheduled messages in this call's transaction: when the answer says "
        "case_resolved, no message of the case can leave. The same reference again answers 200 unchanged; the "
        "same reference with other details 409.",
        parameters=[IDEMPOTENCY_KEY],
        request=PaymentWrite,
        responses={
            201: PaymentRecorded,
            200: PaymentRecorded,
            409: OpenApiResponse(Errors, description="The reference was recorded with other details."),
            422: REFUSED,
            **ERRORS,
        },
    )
    def post(self, request):
        values = _validated(PaymentWrite, request.data)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise _one("Idempotency-Key", "At most 255 characters.", "invalid", 400)
        client = request.user.client
        with transaction.atomic():
            if key:
                try:
                    replay = feed.claim(client, key, feed.fingerprint("POST", request.path, request.data))
                except feed.KeyReused:
                    raise _one(
                        "Idempotency-Key",
                        "This Idempotency-Key was used with another request.",
                        "idempotency_key_reused",
                    ) from None
                if replay is not None:
                    return Response(replay.body, status=replay.status, headers={"Idempotent-Replayed": "true"})
            try:
                created, answer = feed.post_payment(dict(values))
            except feed.FeedRefused as refusal:
                raise _refused(refusal.problems, 409 if refusal.is_conflict else 422) from None
            body = PaymentRecorded(answer).data
            code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
            if key:
                feed.remember(client, key, code, body)
        return Response(body, status=code)


class ContactAttemptView(ApiView):
    required_scope = Scope.CONTACT_RECORD

    @extend_schema(
        operation_id="contact_attempt_record",
        summary="Record a contact attempt after the fact, judged by the compliance engine",
        description="Judged exactly as the collector's log-contact page judges it, at the instant given. A refused "
        "attempt is stored as refused (reviewers see it) and answered 409 with the reasons.",
        request=ContactAttemptWrite,
        responses={
            201: ContactAttemptRecorded,
            404: NOT_FOUND,
            409: OpenApiResponse(ContactAttemptRefused, description="The engine refused; the attempt is stored."),
            422: REFUSED,
            **ERRORS,
        },
    )
    def post(self, request):
        data = _validated(ContactAttemptWrite, request.data)
        case = contact_checks.case_for(data["loan_number"])
        if case is None:
            raise _one("loan_number", "No case for this loan number.", "unknown_loan", 404)
        point = _contact_point(case, data["channel"], data["destination"])
        if data.get("at") and data["at"] > timezone.now() + timedelta(minutes=5):
            raise _one("at", "An attempt is recorded after the fact: this instant is in the future.", "future")
        with transaction.atomic(), translation.override(data["language"]):
            try:
                attempt = services.record_attempt(
                    case,
                    data["channel"],
                    data["outcome"],
                    by=None,
                    at=data.get("at"),
                    contact_point=point,
                    note=data.get("note", ""),
                    placed_by=data["placed_by"],
                    callback_at=data.get("callback_at"),
                )
            except services.ContactBlocked as blocked:
                body = {
                    "errors": [
                        {"code": code, "field": None, "message": sentence}
                        for code, sentence in zip(blocked.decision.reasons, blocked.decision.explanations, strict=True)
                    ],
                    "attempt_id": blocked.attempt.pk,
                    "next_allowed_at": blocked.decision.next_allowed_at,
                }
                return Response(ContactAttemptRefused(body).data, status=status.HTTP_409_CONFLICT)
            except (ContactRequestError, ServiceError) as refusal:
                raise _one("non_field_errors", str(refusal), "refused") from None
        return Response(
            ContactAttemptRecorded(
                {"attempt_id": attempt.pk, "loan_number": data["loan_number"], "allowed": True, "reasons": []}
            ).data,
            status=status.HTTP_201_CREATED,
        )


def _contact_point(case, channel: str, destination: str) -> ContactPoint:
    """The borrower's contact point the destination names (a phone in any notation the
    check's lookup accepts, an e-mail address in any case)."""
    try:
        return contact_checks.point_for(case, channel, destination)
    except contact_checks.UnknownDestination:
        raise _one("destination", "Not a contact point of this borrower.", "unknown_destination") from None


class InboundMessageView(ApiView):
    required_scope = Scope.MESSAGES_INBOUND

    @extend_schema(
        operation_id="message_inbound",
        summary="Hand over an inbound SMS or e-mail reply",
        description="Linked to the borrower by contact point and kept as evidence. A reply that is only a withdrawal "
        "keyword (STOP, UNSUBSCRIBE, 退订, TD, …) withdraws consent in this call's transaction: the messages it "
        "covers are cancelled before the answer is sent.",
        request=InboundMessageWrite,
        responses={200: InboundRecorded, 404: OpenApiResponse(Errors, description="Unknown sender."), **ERRORS},
    )
    def post(self, request):
        data = _validated(InboundMessageWrite, request.data)
        message = inbound.Inbound(data["channel"], data["sender"].strip(), data["body"], data["message_id"].strip())
        try:
            received = inbound.record_inbound(message, nonce="", nonce_expires_at=None)
        except inbound.UnknownSender:
            raise _one("sender", "Not a contact point of any borrower.", "unknown_sender", 404) from None
        return Response(
            InboundRecorded(
                {
                    "messages_recorded": len(received.messages),
                    "keyword": received.messages[0].keyword,
                    "consent_withdrawn": received.revoked,
                    "confirmation_queued": received.confirmation is not None,
                }
            ).data
        )
