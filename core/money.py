"""Amounts of money as the reader's locale writes them: ¥1,234.50 in Chinese, CN¥1,234.50
in English (Babel's CLDR data), always with the account's own currency."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale


def babel_locale(language: str | None = None) -> str:
    return to_locale(language or get_language() or "en")


def format_money(amount, currency: str, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    return format_currency(value, currency or "CNY", locale=babel_locale(language))
