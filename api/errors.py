"""Every error as JSON: ``{"errors": [{"code", "field", "message"}]}`` with a stable code,
the field it is about (or null) and a sentence."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler


def _flatten(detail, field=None):
    if isinstance(detail, dict):
        for name, inner in detail.items():
            yield from _flatten(inner, None if name == "non_field_errors" else (f"{field}.{name}" if field else name))
    elif isinstance(detail, list):
        for index, inner in enumerate(detail):
            inner_field = f"{field}[{index}]" if field and isinstance(inner, dict) else field
            yield from _flatten(inner, inner_field)
    else:
        yield {"code": getattr(detail, "code", "invalid"), "field": field, "message": str(detail)}


def json_errors(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        response.data = {"errors": list(_flatten(exc.detail))}
    return response
