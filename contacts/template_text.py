"""
The text of message templates: which placeholders a template may hold, which words it
may not, and how it is filled in.

- Only plain ``{name}`` placeholders. A format spec or conversion (``{borrower_name:>100000000}``,
  ``{hotline!r}``) is refused when a version is saved and again when one is rendered: a
  spec approved by a reviewer who did not read it closely could turn a short reminder
  into a hundred-megabyte message.
- A rendered message is at most ``settings.MESSAGE_MAX_CHARACTERS[channel]`` long
  (``MessageTooLong`` otherwise), checked while it is built, never after.
- Prohibited words are matched after folding look-alike letters (full-width forms,
  Cyrillic and Greek letters that look Latin, accents, invisible characters), so
  "ａｒｒｅｓｔ" or "аrrest" with a Cyrillic "а" is refused like "arrest".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import functools
import string
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.exceptions import ServiceError
from policy.codes import Channel

# A subject longer than this would not fit OutboundMessage.subject.
SUBJECT_MAX_CHARACTERS = 200
# For a channel MESSAGE_MAX_CHARACTERS does not name.
DEFAULT_MAX_CHARACTERS = 2000

_FORMATTER = string.Formatter()

# Letters from other scripts that look like Latin ones in most fonts (Unicode's
# confusables, the common cases). Applied before case folding: upper-case Greek eta looks
# like H, lower-case like n.
_LOOKALIKES = str.maketrans(
    {
        # Cyrillic
        "А": "A", "а": "a", "В": "B", "в": "b", "Е": "E", "е": "e", "Ё": "E", "ё": "e",
        "К": "K", "к": "k", "М": "M", "м": "m", "Н": "H", "н": "h", "О": "O", "о": "o",
        "Р": "P", "р": "p", "С": "C", "с": "c", "Т": "T", "т": "t", "У": "Y", "у": "y",
        "Х": "X", "х": "x", "Ѕ": "S", "ѕ": "s", "І": "I", "і": "i", "Ї": "I", "ї": "i",
        "Ј": "J", "ј": "j", "Һ": "H", "һ": "h", "Ԁ": "D", "ԁ": "d", "Ԛ": "Q", "ԛ": "q",
        "Ԝ": "W", "ԝ": "w", "Ӏ": "I", "ӏ": "l", "Ү": "Y", "ү": "y", "Ь": "b", "ь": "b",
        # Greek
        "Α": "A", "α": "a", "Β": "B", "β": "b", "Ε": "E", "ε": "e", "Ζ": "Z", "Η": "H",
        "η": "n", "Ι": "I", "ι": "i", "Κ": "K", "κ": "k", "Μ": "M", "Ν": "N", "ν": "v",
        "Ο": "O", "ο": "o", "Ρ": "P", "ρ": "p", "Τ": "T", "τ": "t", "Υ": "Y", "υ": "u",
        "Χ": "X", "χ": "x", "γ": "y", "ω": "w",
    }
)  # fmt: skip


class TemplateError(ServiceError):
    """A template version that may not be saved or sent as it is."""


class MessageTooLong(TemplateError):
    """The filled-in message is longer than its channel allows."""

    def __init__(self, channel: str, limit: int):
        super().__init__(
            _("The message is longer than the %(limit)s characters a %(channel)s message may have.")
            % {"limit": limit, "channel": Channel(channel).label if channel in Channel.values else channel}
        )
        self.channel = channel
        self.limit = limit


def max_characters(channel: str) -> int:
    return settings.MESSAGE_MAX_CHARACTERS.get(channel, DEFAULT_MAX_CHARACTERS)


def placeholders(text: str) -> list[tuple[str, str]]:
    """(name, the placeholder as written) for each placeholder in ``text``.
    Raises ValueError for unbalanced braces."""
    return [
        (name, _as_written(name, spec, conversion))
        for _literal, name, spec, conversion in _FORMATTER.parse(text)
        if name is not None
    ]


def _as_written(name: str, spec: str, conversion: str | None) -> str:
    return "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"


def literal_length(text: str) -> int:
    """How long ``text`` is without its placeholders: the least any message from it is."""
    return sum(len(literal) for literal, *_rest in _FORMATTER.parse(text))


def check_text(subject: str, body: str, *, channel: str, variables: set[str], prohibited: Iterable[str]) -> None:
    """Raise ValidationError (by field) unless a template version with this subject and
    body may be saved: known plain placeholders, balanced braces, short enough for the
    channel, no prohibited word."""
    try:
        used = placeholders(subject) + placeholders(body)
    except ValueError as error:
        raise ValidationError({"body": _("Unbalanced braces: %(error)s.") % {"error": error}}) from error
    unknown = {name for name, _written in used} - variables
    if unknown:
        raise ValidationError(
            {
                "body": _("Unknown variables: %(unknown)s. Allowed: %(allowed)s.")
                % {
                    "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                    "allowed": ", ".join(sorted(variables)),
                }
            }
        )
    formatted = [written for name, written in used if written != f"{{{name}}}"]
    if formatted:
        raise ValidationError(
            {
                "body": _("Only plain placeholders such as {borrower_name} may be used, not %(formatted)s.")
                % {"formatted": ", ".join(formatted)}
            }
        )
    limit = max_characters(channel)
    if literal_length(body) > limit:
        raise ValidationError(
            {"body": _("Longer than the %(limit)s characters this channel allows.") % {"limit": limit}}
        )
    if literal_length(subject) > SUBJECT_MAX_CHARACTERS:
        raise ValidationError({"subject": _("Longer than %(limit)s characters.") % {"limit": SUBJECT_MAX_CHARACTERS}})
    banned = prohibited_words_in(f"{subject} {body}", prohibited)
    if banned:
        raise ValidationError(
            {"body": _("Prohibited content (threats, false consequences): %(words)s.") % {"words": ", ".join(banned)}}
        )


def fold_lookalikes(text: str) -> str:
    """``text`` as the eye reads it: compatibility forms (full-width letters) composed,
    look-alike Cyrillic and Greek letters made Latin, accents and invisible characters
    dropped, case folded."""
    text = unicodedata.normalize("NFKC", text).translate(_LOOKALIKES)
    text = "".join(
        character
        for character in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(character) and unicodedata.category(character) != "Cf"
    )
    return unicodedata.normalize("NFC", text).casefold()


def prohibited_words_in(text: str, words: Iterable[str]) -> list[str]:
    """The words of ``words`` that ``text`` contains, however they are disguised."""
    folded = fold_lookalikes(text)
    return [word for word in words if fold_lookalikes(word) in folded]


# Words that speak of legal action: a time-barred debt may not be threatened with it (Reg F
# 1006.26(b)), so templates holding them are refused for such debts.
LEGAL_ACTION_WORDS = [
    "legal action",
    "lawsuit",
    "litigation",
    "court",
    "solicitor",
    "attorney",
    "legal proceedings",
    "起诉",
    "诉讼",
    "法律程序",
    "法院",
    "律师",
]


# The engine asks both of a template at every send: pure functions of the text, so each
# distinct text is read once per process (folding a body's characters is ~0.4 ms).
@functools.lru_cache(maxsize=512)
def names_lender(subject: str, body: str) -> bool:
    """The text states who the lender is: it holds the ``{lender_name}`` placeholder."""
    return any(name == "lender_name" for name, _written in placeholders(f"{subject} {body}"))


@functools.lru_cache(maxsize=512)
def mentions_legal_action(subject: str, body: str) -> bool:
    return bool(prohibited_words_in(f"{subject} {body}", LEGAL_ACTION_WORDS))


def render(text: str, values: Mapping[str, str], *, limit: int, channel: str) -> str:
    """``text`` with each ``{name}`` replaced by ``values[name]``, refused as soon as it
    grows past ``limit`` characters. Only plain names: ``values`` decides which (a mapping
    whose ``__missing__`` raises keeps unknown names out), and a spec or conversion is
    refused rather than applied."""
    parts: list[str] = []
    length = 0
    for literal, name, spec, conversion in _FORMATTER.parse(text):
        parts.append(literal)
        length += len(literal)
        if name is not None:
            if spec or conversion:
                raise TemplateError(
                    _("Only plain placeholders such as {borrower_name} may be used, not %(written)s.")
                    % {"written": _as_written(name, spec, conversion)}
                )
            value = str(values[name])
            parts.append(value)
            length += len(value)
        if length > limit:
            raise MessageTooLong(channel, limit)
    return "".join(parts)
