"""
What a borrower reads, in the borrower's language (the message template's): the lender's
name and payment instructions from their per-language settings, an amount written the way
that reader writes money (3,622.60 元 in Chinese, CN¥3,622.60 in English), and the
signature Chinese carriers require at the head of a text message.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from core.money import format_money

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
