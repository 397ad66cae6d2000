"""What the API reads and answers, declared once: validation and the OpenAPI schema come
from the same serializers. Unknown fields are refused, not ignored."""

from __future__ import annotations

from rest_framework import serializers

from policy.codes import Channel

LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
BATCH_LARGEST = 1000


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a misspelt field is an error, never silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [serializers.ErrorDetail("This field is not known.", code="unknown_field")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class ContactQuestion(StrictSerializer):
    loan_number = serializers.CharField(max_length=40, help_text="The lender's loan number.")
    channel = serializers.ChoiceField(choices=Channel.choices)
    destination = serializers.CharField(
        max_length=200,
        required=False,
        help_text="The phone number (E.164 or national) or e-mail address to be used; omitted: the borrower's "
        "primary one of the channel.",
    )
    at = serializers.DateTimeField(required=False, help_text="When (ISO 8601 with offset); omitted: now.")


class ContactCheckRequest(ContactQuestion):
    language = serializers.ChoiceField(choices=LANGUAGES, default="en", help_text="The sentences' language.")


class BatchCheckRequest(StrictSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    at = serializers.DateTimeField(required=False, help_text="When (ISO 8601 with offset); omitted: now.")
    language = serializers.ChoiceField(choices=LANGUAGES, default="en")
    loan_numbers = serializers.ListField(
        child=serializers.CharField(max_length=40), min_length=1, max_length=BATCH_LARGEST
    )


class Reason(serializers.Serializer):
    code = serializers.CharField(help_text="A stable reason code (DESIGN.md, reason codes).")
    sentence = serializers.CharField(help_text="The reason in the requested language.")


class ContactDecision(serializers.Serializer):
    loan_number = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = Reason(many=True)
    next_allowed_at = serializers.DateTimeField(allow_null=True)
    borrower_time_zone = serializers.CharField(allow_null=True)


class BatchDecision(serializers.Serializer):
    decisions = ContactDecision(many=True)
    unknown_loan_numbers = serializers.ListField(child=serializers.CharField())


class ErrorItem(serializers.Serializer):
    code = serializers.CharField()
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class Errors(serializers.Serializer):
    errors = ErrorItem(many=True)
