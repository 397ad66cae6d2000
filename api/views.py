"""/api/v1/: thin views over the apps' services; every call is kept in the access log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import translation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from contacts import refusals

from . import contact_checks
from .models import ApiCall, Scope
from .serializers import BatchCheckRequest, BatchDecision, ContactCheckRequest, ContactDecision, Errors

ERRORS = {
    400: OpenApiResponse(Errors, description="The request is malformed or has unknown fields."),
    401: OpenApiResponse(Errors, description="No key, an unknown key or a revoked key."),
    403: OpenApiResponse(Errors, description="The key lacks this endpoint's scope."),
    413: OpenApiResponse(Errors, description="The body is over API_MAX_BODY_BYTES; it was not read."),
    429: OpenApiResponse(Errors, description="Over the client's rate; see Retry-After."),
}


class BodyTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "body_too_large"


def refuse_large_body(request) -> None:
    """Before anything reads the body (authentication, parsing): a body over the limit is
    refused by its declared length, unread. (A body without Content-Length is read as empty
    by Django's WSGI request, so it cannot slip past.)"""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.API_MAX_BODY_BYTES:
        raise BodyTooLarge(
            f"The body is {length} bytes; at most {settings.API_MAX_BODY_BYTES} are accepted.", code="body_too_large"
        )


class ApiView(APIView):
    required_scope = ""

    def initial(self, request, *args, **kwargs):
        refuse_large_body(request)
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        # DRF copies the client onto the Django request, where the history middleware would
        # take it for a staff user: the rows a call writes are the system's (who is empty),
        # and the API call log says which client made the call.
        request._request.user = AnonymousUser()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        client = getattr(request.user, "client", None)
        if client is not None:
            ApiCall.objects.create(
                client=client,
                method=request.method,
                path=request.path.replace("\x00", "\\x00")[:200],  # PostgreSQL stores no NUL: kept escaped
                status=response.status_code,
            )
        return response


def _decision(case, decision, sentences: dict) -> dict:
    """One answer; ``sentences`` keeps the sentences already worded in this answer (a
    dialling list's refusals are mostly the same few: "outside hours in Asia/Shanghai")."""
    reasons = []
    for code, params in zip(decision.reasons, decision.params, strict=True):
        key = (code, repr(params))  # plain data: equal parameters read the same
        if key not in sentences:
            sentences[key] = refusals.explain(code, params)
        reasons.append({"code": code, "sentence": sentences[key]})
    return {
        "loan_number": case.account.loan_number,
        "allowed": decision.allowed,
        "reasons": reasons,
        "next_allowed_at": decision.next_allowed_at,
        "borrower_time_zone": decision.zones[0] if decision.zones else None,
    }


class ContactCheck(ApiView):
    required_scope = Scope.CONTACT_CHECK

    @extend_schema(
        operation_id="contact_check",
        summary="May this contact happen now?",
        request=ContactCheckRequest,
        responses={200: ContactDecision, 404: OpenApiResponse(Errors), 422: OpenApiResponse(Errors), **ERRORS},
    )
    def post(self, request):
        question = ContactCheckRequest(data=request.data)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        try:
            case, decision = contact_checks.decide(
                data["loan_number"], data["channel"], at=data.get("at"), destination=data.get("destination", "")
            )
        except contact_checks.UnknownLoan:
            raise exceptions.NotFound({"loan_number": ["No case for this loan number."]}) from None
        except contact_checks.UnknownDestination:
            error = exceptions.ValidationError(
                {
                    "destination": [
                        exceptions.ErrorDetail("Not a contact point of this borrower.", code="unknown_destination")
                    ]
                }
            )
            error.status_code = 422
            raise error from None
        with translation.override(data["language"]):
            return Response(_decision(case, decision, {}))


class ContactCheckBatch(ApiView):
    required_scope = Scope.CONTACT_CHECK

    @extend_schema(
        operation_id="contact_check_batch",
        summary="A whole dialling list at once (up to 1,000 loans)",
        request=BatchCheckRequest,
        responses={200: BatchDecision, **ERRORS},
    )
    def post(self, request):
        question = BatchCheckRequest(data=request.data)
        question.is_valid(raise_exception=True)
        data = question.validated_data
        decided, unknown = contact_checks.decide_many(data["loan_numbers"], data["channel"], at=data.get("at"))
        sentences = {}
        with translation.override(data["language"]):
            return Response(
                {
                    "decisions": [_decision(case, decision, sentences) for case, decision in decided],
                    "unknown_loan_numbers": unknown,
                }
            )
