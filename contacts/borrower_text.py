"""
What a borrower reads, in the borrower's language (the message template's): the lender's
name and payment instructions from their per-language settings, an amount written the way
that reader writes money (3,622.60 元 in Chinese, CN¥3,622.60 in English), and the
signature Chinese carriers require at the head of a text message.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from core.money import format_money

from . import template_text

# How a Chinese reader names each currency after the amount.
CHINESE_CURRENCY_NAMES = {"CNY": "元", "USD": "美元", "GBP": "英镑", "EUR": "欧元", "HKD": "港元"}


def in_language(texts: dict[str, str], language: str) -> str:
    """The text for ``language``, else its base language's, else the site default's."""
    for key in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


def amount_for(amount: Decimal, currency: str, language: str) -> str:
    if language.startswith("zh"):
        return f"{amount:,.2f} {CHINESE_CURRENCY_NAMES.get(currency, currency)}"
    return format_money(amount, currency, language)


def signed_sms(body: str, language: str) -> str:
    """A Chinese text message starts with the lender's 【signature】 (once)."""
    signature = settings.SMS_SIGNATURE
    if language.startswith("zh") and signature and not body.startswith(signature):
        return signature + body
    return body


# Reg F 1006.26(c) and the CFPB's model validation notice: a validation-type notice about
# a time-barred debt tells the borrower they will not be sued on it.
TIME_BARRED_DISCLOSURE = {
    "en": "The law limits how long you can be sued on a debt. Because of the age of your debt, we will not sue you for it.",
    "zh-hans": "法律对债务的起诉期限有所限制。由于您的债务已逾诉讼时效，我们不会就此债务起诉您。",
}


def with_time_barred_disclosure(body: str, template, account, profile, at: datetime, zones) -> str:
    """``body`` with the time-barred disclosure appended, in the template's language, when
    it is a validation-type notice about a debt past its limitation date on the borrower's
    local date (any candidate zone) under a profile that requires the disclosure."""
    if not (template.is_validation_notice and profile.time_barred_disclosure):
        return body
    if not any(account.time_barred_on(at.astimezone(ZoneInfo(zone)).date(), profile) for zone in zones):
        return body
    disclosed = f"{body}\n\n{in_language(TIME_BARRED_DISCLOSURE, template.language)}"
    limit = template_text.max_characters(template.channel)
    if len(disclosed) > limit:
        # Never sent without it: the notice fails and the outbox records why.
        raise template_text.MessageTooLong(template.channel, limit)
    return disclosed
