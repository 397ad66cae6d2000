"""Masked renderings of personal data for roles that do not need the full value."""

import phonenumbers


def mask_middle(value: str, keep_start: int, keep_end: int, mask: str = "*") -> str:
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return mask * len(value)
    return value[:keep_start] + mask * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_national_id(value: str) -> str:
    return mask_middle(value, 3, 4)


def mask_phone(e164: str) -> str:
    """+8613812345678 -> +86 138****5678 (country code, prefix and last four kept)."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return mask_middle(e164, 0, 4)
    national = str(number.national_number)
    return f"+{number.country_code} {mask_middle(national, 3, 4)}"


def mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_middle(value, 1, 0)


def mask_text(value: str) -> str:
    """Postal addresses and social handles: the first few characters only."""
    return mask_middle(value, 4, 0)[:12] + ("…" if len(value) > 12 else "")
