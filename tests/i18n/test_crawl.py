"""The crawl: every role opens every page the
permission matrix lets it open, on the matrix's seeded world, in Chinese and in English.

In Chinese a page may not show an English sentence of our catalogue, a raw code
(``case_on_hold``), an internal name (``cases.ContactAttempt #270``) or a machine
timestamp. In English it may not show Han characters, except in what people wrote or are
called (names, addresses, notes: taken from the world's own rows) and the language
switcher's own "简体中文". The allow-lists below are short on purpose: they are reviewed,
never grown to make a page pass.
"""

from html import unescape
from pathlib import Path
import re

from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse
import polib
import pytest

from policy.codes import ProfileCode
from preferences.models import StaffProfile
from tests.permission_table import TABLE
from tests.permission_world import ACTORS, args_for, build_world, client_for

CATALOGUE = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")

# Not read as prose: scripts, styles, icons, form text people typed, and <code>: the
# literal names a person types (CSV column names, template placeholders).
HIDDEN = re.compile(r"<(script|style|svg|template|textarea|code)\b.*?</\1>|<!--.*?-->", re.S | re.I)
ATTRIBUTES = re.compile(r'\b(?:title|placeholder|alt|aria-label)="([^"]*)"')
BUTTONS = re.compile(r'<input[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', re.I)
TAG = re.compile(r"<[^>]+>")

SNAKE_CODE = re.compile(r"(?<![\w./:@#{-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w./:@}-])")
MODEL_REF = re.compile(r"\b[a-z_]+\.[A-Z][A-Za-z]+ #\d+")
MACHINE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}:\d{2}\.\d{3,}|[+-]\d{2}:\d{2}\b(?!\d)")
HAN = re.compile(r"[\u3400-\u9fff]+")
# Two or more Latin words in a row: English prose (or a code spelled as words) in a Chinese
# page, whether or not the catalogue knows the sentence.
LATIN_PHRASE = re.compile(r"[A-Za-z][A-Za-z'’]+(?:[ ,;:()/-]+[A-Za-z][A-Za-z'’]+)+")
WORD = re.compile(r"[A-Za-z]{4,}")

# Shown in both languages by design.
BOTH_LANGUAGES = ["简体中文", "English"]
# Codes a person types or reads as such (the demo loan-number prefix, a setting name the
# operator configures): reviewed, kept short.
CODES_PEOPLE_USE = {"totp"}
# The policy profiles' codes (CN, UK-FCA, US-REGF…): names of rule books, read as codes.
PROFILE_CODES = sorted(ProfileCode.values, key=len, reverse=True)
# Latin words a Chinese reader reads as they are: a date format hint, file types.
LATIN_PEOPLE_READ = {"YYYY-MM-DD", "YYYY-MM-DD HH:MM", "PDF, JPEG, PNG", "JPEG, PNG"}


# Django's own change-list search box labels its magnifier icon alt="Search", written into
# django/contrib/admin/templates/admin/search_form.html untranslated; the button beside it
# says 搜索. Not a string of ours: only that icon's alt is passed over, nothing else.
DJANGO_UNTRANSLATED = re.compile(r'<img src="[^"]*/admin/img/search\.svg" alt="Search">')


def visible_text(html: str) -> str:
    html = DJANGO_UNTRANSLATED.sub(" ", html)
    html = HIDDEN.sub(" ", html)
    extra = ATTRIBUTES.findall(html) + BUTTONS.findall(html)
    text = TAG.sub(" ", html)
    return unescape(" ".join([text, *extra]))


def _english_sentences() -> list[str]:
    """Our catalogue's English sentences that have a translation: seen in a Chinese page,
    each is a string that was not translated where it is shown."""
    sentences = []
    for entry in polib.pofile(str(CATALOGUE)):
        text = entry.msgid
        if entry.msgstr and " " in text and len(text) >= 12 and "%(" not in text and "{" not in text:
            sentences.append(text)
    return sorted(set(sentences), key=len, reverse=True)


# Written by the system, not by people: shown only through labels and renderers, so never
# taken as "what people wrote". (The lockout records hold what a browser sent: a typed
# username, its user agent or "<unknown>", a path; they count as sent, not written.)
SYSTEM_WRITTEN_APPS = {"contenttypes", "sessions", "admin", "audit", "core", "django_celery_beat"}
SYSTEM_WRITTEN_FIELDS = {("auth", "permission"), ("auth", "group")}
# In tables the system writes, the fields that hold what a person typed: a case event's
# reason is a supervisor's words (its sentence is worded from its code when read).
TYPED_FIELDS = {("cases", "caseevent"): ["reason"]}


def _people_text() -> list[str]:
    """What people wrote or are called, in the world's rows, in any language: names,
    usernames, addresses, notes, template bodies, the policy text an operator wrote. Fields
    with choices hold codes, and system-written tables (events, history, the ledger, job
    runs) are left out: their words must come from the catalogue."""
    found = set()
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in SYSTEM_WRITTEN_APPS or (meta.app_label, meta.model_name) in SYSTEM_WRITTEN_FIELDS:
            continue
        if meta.model_name.startswith("historical"):
            continue
        text_fields = TYPED_FIELDS.get((meta.app_label, meta.model_name)) or [
            f.attname
            for f in meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField)) and not f.choices
        ]
        if not text_fields:
            continue
        for row in model._default_manager.values_list(*text_fields):
            for value in row:
                if value and len(str(value).strip()) >= 2:
                    found.add(str(value).strip())
    return sorted(found, key=len, reverse=True)


# Not words in any language: a URL path (/admin/login/), a placeholder a template author
# types ({borrower_name}), a slug such as a template's code (sms-reminder-dpd1).
NOT_WORDS = re.compile(r"(?<!\w)/[\w./-]*|\{\w+\}|\b[a-z0-9]+(?:-[a-z0-9]+)+\b")


def _without(text: str, people_text: list[str]) -> str:
    for allowed in [*people_text, *BOTH_LANGUAGES, *PROFILE_CODES]:
        text = text.replace(allowed, " ")
    return NOT_WORDS.sub(" ", text)


# The API's documentation page is written for the integrators' developers, in English, like
# the OpenAPI schema it shows (and the API's own error sentences); staff never work there.
FOR_INTEGRATORS = {"api:docs", "api:schema"}


def _pages(w):
    for entry in TABLE:
        if entry["method"] != "GET" or entry["name"] in FOR_INTEGRATORS:
            continue
        for actor in ACTORS[1:]:
            if entry["expected"][actor] == "200":
                yield actor, entry


def _english_words() -> set[str]:
    """Our catalogue's translated one-word msgids ("Search", "made"): alone in a Chinese page,
    each is a label that was not translated where it is shown."""
    return {
        entry.msgid
        for entry in polib.pofile(str(CATALOGUE))
        if entry.msgstr and WORD.fullmatch(entry.msgid) and entry.msgid.upper() != entry.msgid
    }


def _problems_in_chinese(text: str, sentences: list[str], words: set[str], people_text: list[str]) -> list[str]:
    text = _without(text, people_text)
    found = [f"English: {s!r}" for s in sentences if s in text]
    found += [f"code: {m}" for m in SNAKE_CODE.findall(text) if m not in CODES_PEOPLE_USE]
    found += [f"internal name: {m}" for m in MODEL_REF.findall(text)]
    found += [f"machine time: {m}" for m in MACHINE_TIME.findall(text)]
    phrases = [m for m in LATIN_PHRASE.findall(text) if m not in LATIN_PEOPLE_READ]
    found += [f"English: {m!r}" for m in phrases]
    text = LATIN_PHRASE.sub(" ", text)
    found += [f"English word: {m!r}" for m in re.findall(r"[A-Za-z]+", text) if m in words]
    return found


def _problems_in_english(text: str, people_text: list[str]) -> list[str]:
    text = _without(text, people_text)
    # A name or an address may be shown shortened or masked: a piece of one is theirs too.
    found = [f"Chinese: {m!r}" for m in HAN.findall(text) if not any(m in written for written in people_text)]
    found += [f"internal name: {m}" for m in MODEL_REF.findall(text)]
    found += [f"machine time: {m}" for m in MACHINE_TIME.findall(text)]
    found += [f"code: {m}" for m in SNAKE_CODE.findall(text) if m not in CODES_PEOPLE_USE]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_speaks_one_language_to_every_role(db, language):
    w = build_world()
    pages = list(_pages(w))
    clients = {}
    for actor in dict.fromkeys(actor for actor, _entry in pages):
        StaffProfile.objects.update_or_create(user=w[actor], defaults={"language": language})
        clients[actor] = client_for(w, actor)
    # After signing in: the authenticators people named are theirs too.
    sentences, words, people_text = _english_sentences(), _english_words(), _people_text()
    problems = []
    for actor, entry in pages:
        client = clients[actor]
        url = reverse(entry["name"], args=args_for(entry, w))
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        text = visible_text(response.content.decode())
        found = (
            _problems_in_chinese(text, sentences, words, people_text)
            if language == "zh-hans"
            else _problems_in_english(text, people_text)
        )
        problems += [f"{actor} {entry['name']}: {problem}" for problem in dict.fromkeys(found)]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
