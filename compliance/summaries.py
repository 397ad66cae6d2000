"""
What a finding says, worded when it is read, in the reader's language.

The scan stores meaning, not sentences: each finding a code (``Finding.summary_code``)
with its parameters (``Finding.summary_params``: ids, counts, limits, usernames, instants
and days as ISO text), and each piece of evidence a code with its parameters. Here they
become sentences, so a reviewer working in Chinese reads Chinese and one working in
English reads English, whoever pressed "run scan". A finding raised before the codes
were kept, and one a reviewer typed, shows its stored summary as written.

A finding's parameters, by summary code (the scan rules in ``compliance/scan`` write them):

- ``contact_after_close``: ``contacted_at``, ``closed_at``;
- ``contact_after_payoff``: ``contacted_at``, ``paid_off_at``, ``closed_at``;
- ``repeated_blocks``: ``agent`` (username), ``count``, ``case``, ``first_at``, ``last_at``,
  ``reasons`` (codes);
- ``override``: ``supervisor`` (username), ``reasons``, ``case``, ``at``, ``override_reason``
  (their words);
- ``conversation_wait``: ``day``, ``wait``, ``conversation_at``;
- ``caps_near_limit``: ``borrower``, ``measure`` (``attempts_per_borrower_7d`` or
  ``calls_per_debt_7d``), ``limit``, ``looked_at`` (weeks), ``weeks`` (``[{"from": day,
  "count": n}]``);
- ``third_party_contact``: ``relation`` (as recorded, may be empty), ``at``, ``case``;
- ``visit_without_report``: ``visit``, ``case``, ``state``;
- ``complaint``: ``category``, ``channel``, ``received_at``;
- ``audit_chain``: ``kind``, ``table``, ``row``, ``seq``, ``detail`` (the verifier's own
  words, kept as data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.labels import table_label
from contacts.refusals import joined, reason_labels
from core.when import local_date, local_datetime
from policy.codes import Channel

from .models import Complaint
from .selectors import field_visit_model

# The language a stored fallback is written in: the same whoever ran the scan, and the
# language of the summaries written before the codes were kept (admin search reads it).
STORED_LANGUAGE = "en"


@dataclass(frozen=True)
class Summary:
    """What a finding says, as data: a summary code and its parameters."""

    code: str
    params: dict = field(default_factory=dict)

    def text(self) -> str:
        return summary_sentence(self.code, self.params)

    def stored_text(self) -> str:
        with translation.override(STORED_LANGUAGE):
            return self.text()


def _when(iso: str) -> str:
    return local_datetime(datetime.fromisoformat(iso))


def _reasons(codes) -> str:
    return joined(reason_labels(codes))


def _contact_after_close(p: dict) -> str:
    return _("Contacted %(contacted)s, after the case closed on %(closed)s.") % {
        "contacted": _when(p["contacted_at"]),
        "closed": _when(p["closed_at"]),
    }


def _contact_after_payoff(p: dict) -> str:
    return _(
        "Contacted %(contacted)s, after the borrower paid off on %(paid_off)s (the case closed when the payment reached us, %(closed)s)."
    ) % {"contacted": _when(p["contacted_at"]), "paid_off": _when(p["paid_off_at"]), "closed": _when(p["closed_at"])}


def _repeated_blocks(p: dict) -> str:
    return _("%(agent)s was refused %(count)s times on case %(case)s between %(first)s and %(last)s (%(reasons)s).") % {
        "agent": p["agent"],
        "count": p["count"],
        "case": p["case"],
        "first": _when(p["first_at"]),
        "last": _when(p["last_at"]),
        "reasons": _reasons(p["reasons"]),
    }


def _override(p: dict) -> str:
    return _("%(supervisor)s overrode a refusal (%(reasons)s) on case %(case)s (%(at)s): “%(override_reason)s”") % {
        "supervisor": p["supervisor"],
        "reasons": _reasons(p["reasons"]),
        "case": p["case"],
        "at": _when(p["at"]),
        "override_reason": p["override_reason"],
    }


def _conversation_wait(p: dict) -> str:
    return _("Called on day %(day)s of the %(wait)s-day wait after a conversation on %(conversation)s.") % {
        "day": p["day"],
        "wait": p["wait"],
        "conversation": _when(p["conversation_at"]),
    }


def _caps_near_limit(p: dict) -> str:
    weekly = joined(
        _("%(count)s in the week from %(day)s")
        % {"count": week["count"], "day": local_date(date.fromisoformat(week["from"]))}
        for week in p["weeks"]
    )
    values = {
        "borrower": p["borrower"],
        "limit": p["limit"],
        "weeks": len(p["weeks"]),
        "looked_at": p["looked_at"],
        "counts": weekly,
    }
    if p["measure"] == "attempts_per_borrower_7d":
        return (
            _(
                "Borrower %(borrower)s: attempts on all channels within one of the weekly limit of %(limit)s in %(weeks)s of the last %(looked_at)s weeks (%(counts)s)."
            )
            % values
        )
    if p["measure"] == "calls_per_debt_7d":
        return (
            _(
                "Borrower %(borrower)s: calls on this debt within one of the weekly limit of %(limit)s in %(weeks)s of the last %(looked_at)s weeks (%(counts)s)."
            )
            % values
        )
    raise KeyError(p["measure"])


def _third_party_contact(p: dict) -> str:
    return _("Third party (%(relation)s) contacted %(at)s on case %(case)s.") % {
        "relation": p["relation"] or _("relation not given"),
        "at": _when(p["at"]),
        "case": p["case"],
    }


def _visit_state(state: str) -> str:
    FieldVisit = field_visit_model()
    choices = dict(FieldVisit._meta.get_field("state").flatchoices) if FieldVisit is not None else {}
    return str(choices.get(state, state))


def _visit_without_report(p: dict) -> str:
    return _("Field visit %(visit)s on case %(case)s is %(state)s without a completed report.") % {
        "visit": p["visit"],
        "case": p["case"],
        "state": _visit_state(p["state"]).lower(),
    }


def _complaint(p: dict) -> str:
    return _("%(category)s complaint received %(received)s (%(channel)s).") % {
        "category": Complaint.Category(p["category"]).label,
        "received": _when(p["received_at"]),
        "channel": str(Complaint.Channel(p["channel"]).label).lower(),
    }


# What each kind of damage the audit verifier reports means (audit/verify.py, audit/live.py).
CHAIN_PROBLEMS = {
    "content": gettext_lazy("a sealed row was changed after it was written"),
    "missing_row": gettext_lazy("a sealed row was deleted"),
    "entry": gettext_lazy("a ledger entry was edited or sealed again without the key"),
    "link": gettext_lazy("a ledger entry does not follow from the one before it (the ledger was edited)"),
    "gap": gettext_lazy("ledger entries were removed"),
    "head": gettext_lazy("the chain's head does not match its last entry"),
    "unsealed": gettext_lazy("no ledger entry covers this row (written outside the application)"),
    "unknown_table": gettext_lazy("a ledger entry names a table no longer in use"),
    "layout": gettext_lazy("a sealed column no longer exists"),
    "key": gettext_lazy("a ledger entry is signed with a key this site does not hold"),
    "anchor": gettext_lazy("the chain no longer matches an anchor kept outside the database"),
    "live": gettext_lazy("a live row disagrees with its sealed history"),
}


def _audit_chain(p: dict) -> str:
    record = table_label(p["table"])
    if p.get("row") is not None:
        record = _("%(record)s, row %(row)s") % {"record": record, "row": p["row"]}
    if p.get("seq") is not None:
        record = _("%(record)s (ledger entry #%(seq)s)") % {"record": record, "seq": p["seq"]}
    return _("Audit chain broken at %(record)s: %(problem)s.") % {
        "record": record,
        "problem": CHAIN_PROBLEMS[p["kind"]],
    }


SENTENCES = {
    "contact_after_close": _contact_after_close,
    "contact_after_payoff": _contact_after_payoff,
    "repeated_blocks": _repeated_blocks,
    "override": _override,
    "conversation_wait": _conversation_wait,
    "caps_near_limit": _caps_near_limit,
    "third_party_contact": _third_party_contact,
    "visit_without_report": _visit_without_report,
    "complaint": _complaint,
    "audit_chain": _audit_chain,
}


def summary_sentence(code: str, params: dict) -> str:
    return SENTENCES[code](params)


def finding_summary(finding) -> str:
    """The finding's summary in the active language; its stored summary when it has no
    code (typed by a reviewer, or raised before codes were kept) or one this version
    cannot word."""
    if finding.summary_code:
        try:
            return summary_sentence(finding.summary_code, finding.summary_params)
        except (KeyError, ValueError, TypeError):
            pass
    return finding.summary


# --- evidence ------------------------------------------------------------------------------
# An evidence item: {"model", "id", "code", "params", "label"}; "label" is the wording in
# the stored language, kept as a fallback. Items written before the codes were kept have
# only a label: their records are read again to word them (``_params_from_records``).


def _attempt_label(p: dict) -> str:
    return _("%(channel)s %(at)s by %(agent)s") % {
        "channel": Channel(p["channel"]).label,
        "at": _when(p["at"]),
        "agent": p["agent"] or _("system"),
    }


def _case_label(p: dict) -> str:
    return _("Case %(number)s · %(loan)s") % {"number": p["case"], "loan": p["loan"]}


def _payment_label(p: dict) -> str:
    return _("Payment paid %(paid_at)s") % {"paid_at": _when(p["paid_at"])}


def _third_party_point_label(p: dict) -> str:
    return _("Third-party contact point (%(relation)s)") % {"relation": p["relation"] or _("relation not given")}


def _visit_label(p: dict) -> str:
    return _("Visit %(visit)s (%(state)s)") % {"visit": p["visit"], "state": _visit_state(p["state"])}


def _complaint_label(p: dict) -> str:
    return _("Complaint %(complaint)s (%(category)s)") % {
        "complaint": p["complaint"],
        "category": Complaint.Category(p["category"]).label,
    }


def _borrower_label(p: dict) -> str:
    return _("Borrower %(borrower)s") % {"borrower": p["borrower"]}


def _ledger_entry_label(p: dict) -> str:
    return _("Ledger entry #%(seq)s") % {"seq": p["seq"]}


EVIDENCE = {
    "attempt": _attempt_label,
    "case": _case_label,
    "payment": _payment_label,
    "third_party_point": _third_party_point_label,
    "visit": _visit_label,
    "complaint": _complaint_label,
    "borrower": _borrower_label,
    "ledger_entry": _ledger_entry_label,
}


def evidence_sentence(code: str, params: dict) -> str:
    return EVIDENCE[code](params)


def _iso(instant) -> str | None:
    return instant.isoformat() if instant is not None else None


# How an item without a code is worded from its record: (code, the record's values, params).
_FROM_RECORDS = {
    "contacts.ContactAttempt": (
        "attempt",
        ("pk", "channel", "started_at", "agent__username"),
        lambda row: {"channel": row["channel"], "at": _iso(row["started_at"]), "agent": row["agent__username"] or ""},
    ),
    "cases.CollectionCase": (
        "case",
        ("pk", "account__loan_number"),
        lambda row: {"case": row["pk"], "loan": row["account__loan_number"]},
    ),
    "cases.Payment": ("payment", ("pk", "paid_at"), lambda row: {"paid_at": _iso(row["paid_at"])}),
    "cases.ContactPoint": (
        "third_party_point",
        ("pk", "third_party_relation"),
        lambda row: {"relation": row["third_party_relation"]},
    ),
    "visits.FieldVisit": ("visit", ("pk", "state"), lambda row: {"visit": row["pk"], "state": row["state"]}),
    "compliance.Complaint": (
        "complaint",
        ("pk", "category"),
        lambda row: {"complaint": row["pk"], "category": row["category"]},
    ),
}
# Items worded from their number alone: (code, the parameter the number is).
_FROM_NUMBER = {
    "cases.Borrower": ("borrower", "borrower"),
    "compliance.AuditLedger": ("ledger_entry", "seq"),
    "audit.AuditLedger": ("ledger_entry", "seq"),
}


def _params_from_records(items: list[dict]) -> dict[tuple[str, object], tuple[str, dict]]:
    """(model, id) -> (code, params) for items without a code, read from their records,
    one query per model. A record that is gone is left out (its stored label stands)."""
    wanted: dict[str, set] = {}
    for item in items:
        if not item.get("code") and item.get("model") in _FROM_RECORDS:
            wanted.setdefault(item["model"], set()).add(item.get("id"))
    found = {}
    for label, ids in wanted.items():
        code, values, params = _FROM_RECORDS[label]
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        for row in model._default_manager.filter(pk__in=ids).values(*values):
            found[(label, row["pk"])] = (code, params(row))
    return found


def evidence_labels(items: list[dict]) -> list[str]:
    """How each evidence item reads, in the reader's language: from its code and
    parameters; for an item stored before codes were kept, from its record as it is now;
    else its stored label, else the record's name and number."""
    looked_up = _params_from_records(items)
    labels = []
    for item in items:
        code, params = item.get("code"), item.get("params") or {}
        if not code and item.get("model") in _FROM_NUMBER:
            code, name = _FROM_NUMBER[item["model"]]
            params = {name: item.get("id")}
        elif not code:
            code, params = looked_up.get((item.get("model"), item.get("id")), ("", {}))
        labels.append(_evidence_label(item, code, params))
    return labels


def _evidence_label(item: dict, code: str, params: dict) -> str:
    if code:
        try:
            return evidence_sentence(code, params)
        except (KeyError, ValueError, TypeError):
            pass
    if item.get("label"):
        return item["label"]
    try:
        model = apps.get_model(item.get("model", ""))
    except (LookupError, ValueError):
        return str(item.get("id", ""))
    return _("%(record)s #%(id)s") % {"record": str(model._meta.verbose_name), "id": item.get("id")}
