"""Where personal data was shown, as the access log's readers read it.

The log stores each place as a fixed English phrase (``where``: "case page", "dossier
CSV"), which acts as its code; the log's pages show these labels in the reader's language.
An unlisted place is shown as stored.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PLACES = {
    "case page": _("case page"),
    "borrower page": _("borrower page"),
    "contact point page": _("contact point page"),
    "hold evidence": _("hold evidence"),
    "dossier": _("case dossier"),
    "dossier CSV": _("case dossier (CSV export)"),
    "case list export": _("case list (export)"),
    "contact intensity": _("contact intensity chart"),
    "log contact": _("logging a contact"),
    "field visit page": _("field visit page"),
    "visit request": _("visit request"),
    "visit decision": _("visit decision"),
    "my visits": _("my visits"),
    "visit report": _("visit report"),
    "visit agreement file": _("visit agreement file"),
    "visit receipt file": _("visit receipt file"),
    "search by national ID": _("search by national ID"),
    "search by e-mail": _("search by e-mail address"),
    "search by phone": _("search by phone number"),
}


def place_label(where: str) -> str:
    return str(PLACES.get(where, where))
