"""What is wrong with a line of an import, as a code and its values, and the sentence each
code reads as in the reader's language.

A run's problems are kept with its job record and read later, perhaps by someone who reads
another language than the importer's: so they are stored as ``[line, column, code,
params]`` and worded when shown. ``detail`` carries a message that was already words when
it was found (a model check, the database's refusal), shown as it was written.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.money import format_money

# Amounts a message names, written the reader's way with the row's currency.
MONEY_PARAMS = ("fees", "cap")

MESSAGES = {
    "nul": _("Contains a NUL character; remove it and try again."),
    "required": _("Required; this cell is empty."),
    "too_long": _("At most %(max_length)s characters (this has %(length)s)."),
    "not_a_choice": _("“%(value)s” is not one of %(choices)s."),
    "not_an_amount": _("“%(value)s” is not an amount; write it like 1234.50 (no separators or currency)."),
    "negative": _("%(value)s is negative; amounts must be 0 or more."),
    "too_large": _("%(value)s is larger than the largest amount stored (%(largest)s)."),
    "too_many_decimals": _("%(value)s has more than two decimal places."),
    "not_a_date": _("“%(value)s” is not a date written YYYY-MM-DD."),
    "not_a_timestamp": _("“%(value)s” is not an ISO 8601 timestamp such as 2026-11-20T10:15:00+08:00."),
    "no_offset": _("“%(value)s” has no UTC offset; give the offset, e.g. %(example)s."),
    "extra_cells": _(
        "%(count)s more cell(s) than the header has columns; quote values that contain commas and write "
        "amounts without thousands separators."
    ),
    "repeated_loan": _("%(loan_number)s already appears on line %(line)s of this file."),
    "more_than_principal": _("%(outstanding)s is more than the principal %(principal)s."),
    "fees_over_cap": _("Fees of %(fees)s are more than the %(cap)s of default charges %(profile)s allows."),
    "not_a_time_zone": _("“%(value)s” is not an IANA time zone (e.g. Asia/Shanghai, America/New_York)."),
    "not_a_phone": _("“%(value)s” is not a phone number we can dial (region %(region)s)."),
    "not_an_email": _("“%(value)s” is not a valid email address."),
    "not_degrees": _("“%(value)s” is not a position in decimal degrees between -%(largest)s and %(largest)s."),
    "position_half": _("An address position needs both its latitude and its longitude; this one is missing."),
    "position_without_address": _("A position is given but no postal address to go with it."),
    "currency_kept": _("%(loan_number)s is kept in %(kept)s; the feed cannot change it to %(currency)s."),
    "other_borrower": _(
        "%(loan_number)s belongs to another borrower than the one with this national ID; correct the "
        "borrower in the admin, not through the feed."
    ),
    "unknown_loan": _("No account has loan number %(loan_number)s."),
    "zero_payment": _("A payment amount must be more than 0."),
    "missing_column": _("Required column is missing from the header."),
    "unknown_column": _("Unknown column “%(name)s”; expected some of: %(columns)s."),
    "repeated_column": _("Column appears twice in the header."),
    "not_utf8": _("The file is not UTF-8 text; save it as 'CSV UTF-8' and try again."),
    "database_refused": _("The database refused %(lines)s: %(detail)s. Nothing was imported."),
    "payment_currency": _("%(loan_number)s is kept in %(kept)s; a payment in %(currency)s cannot be applied to it."),
    "detail": "%(detail)s",
    "conflict": "%(detail)s",
}


def wording(code: str, params: dict) -> str:
    """The sentence for ``code`` in the current language; an unknown code (a newer
    release's) shows its values rather than failing the page."""
    template = MESSAGES.get(code)
    if template is None:
        return f"{code}: {params}" if params else code
    if params and params.get("currency"):
        params = {
            **params,
            **{name: format_money(params[name], params["currency"]) for name in MONEY_PARAMS if name in params},
        }
    return str(template) % params if params else str(template)


def stored_error_text(entry: list) -> tuple[int, str, str]:
    """(line, column, sentence) of one stored problem: ``[line, column, code, params]``,
    or ``[line, column, message]`` as runs before codes stored them."""
    if len(entry) == 4:
        line, column, code, params = entry
        return line, column, wording(code, params or {})
    line, column, message = entry
    return line, column, message
