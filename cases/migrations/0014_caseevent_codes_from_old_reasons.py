"""
The case events written before codes existed get their code and parameters, read off the
English sentence the services used to store in ``reason`` (one pattern per sentence the
code wrote, as they stood in cases/services/, cases/jobs.py and visits/services/). The
sentence stays in ``reason`` as it was sealed; what a person had typed inside it (a hold
note, a rejection reason) goes to ``params["note"]``, so it is shown as written after the
sentence the reader's language now gives. An event no pattern recognises keeps an empty
code and is shown as before, its ``reason`` as written.

Only the two new columns are written: the sealed columns of these rows (reason, rules…)
are untouched, so their ledger entries, which name the columns they hashed, still verify.
The ledger seals a row once (one entry per table and row), so the code and parameters read
here are not sealed themselves; they follow from the sealed ``reason`` by the patterns
below, and the dossier shows that sentence beside what the code now says wherever the two
read differently, so a code changed behind the application's back shows against it.

The labels below are frozen copies (English and the Chinese catalogue's) of what
``get_kind_display()`` and ``get_state_display()`` gave when those sentences were written:
a sentence stored while the interface was Chinese carries the Chinese label.
"""

from datetime import datetime
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations

HOLD_KINDS = {
    "dispute": ("Dispute", "争议"),
    "hardship": ("Hardship", "经济困难"),
    "cease_communication": ("Cease-communication request", "停止联系请求"),
    "breathing_space": ("Breathing space", "喘息期"),
    "bankruptcy": ("Bankruptcy", "破产"),
    "deceased": ("Deceased", "已故"),
    "complaint_investigation": ("Complaint under investigation", "投诉调查中"),
}
# Lower-cased, as the "Case …: why" sentence of a stopped visit wrote them.
STOPPED_STATES = {
    "resolved": ("resolved", "已结清"),
    "written_off": ("written off", "已核销"),
    "on_hold": ("on hold", "停催中"),
}
KIND_OF = {label: kind for kind, labels in HOLD_KINDS.items() for label in labels}
STATE_OF = {label: state for state, labels in STOPPED_STATES.items() for label in labels}


def _alternatives(labels):
    return "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))


KIND = f"(?P<kind>{_alternatives(KIND_OF)})"
STATE = f"(?P<state>{_alternatives(STATE_OF)})"
NUMBER = r"-?\d+(?:\.\d+)?"
USER = r"(?P<username>\S+)"
NIGHTLY_RUNGS = {"start_reminders", "escalate_to_phone", "escalate_to_written_notice"}
BATCH = 1000


def _pattern(text):
    return re.compile(text, re.DOTALL)


# (pattern, code) per kind of event; the first that matches the whole reason wins.
BY_KIND = {
    "opened": [
        (_pattern(r"(?P<days_past_due>\d+) days past due"), "opened"),
        (_pattern(r"Opened by the nightly cycle: the account is overdue\."), "opened_by_nightly_cycle"),
    ],
    "assignment": [(_pattern(r"(?P<previous>\S+) → (?P<collector>\S+)"), "assigned")],
    "notice": [(_pattern(r"sent (?P<sent_at>\d{4}-\d{2}-\d{2} \d{2}:\d{2})"), "notice_sent")],
    "payment": [
        (
            _pattern(
                rf"(?P<amount>{NUMBER}) (?P<currency>[A-Z]{{3}}) \((?P<reference>.*)\); "
                rf"outstanding now (?P<outstanding>{NUMBER})"
            ),
            "payment",
        )
    ],
    "promise": [
        (
            _pattern(
                rf"(?P<amount>{NUMBER}) (?P<currency>[A-Z]{{3}}) by (?P<due_date>\d{{4}}-\d{{2}}-\d{{2}})\."
                r"(?: (?P<note>.*))?"
            ),
            "promise_recorded",
        ),
        (_pattern(r"Promise or plan broken\."), "arrangement_broken"),
    ],
    "plan": [
        (
            _pattern(
                rf"(?P<count>\d+) instalments, (?P<total>{NUMBER}) (?P<currency>[A-Z]{{3}})"
                r"(?P<proposed> — awaiting supervisor approval)?"
            ),
            "plan_agreed",
        ),
        (_pattern(r"Plan (?P<plan>\d+) approved"), "plan_approved"),
    ],
    "hold_placed": [(_pattern(rf"{KIND}(?:: (?P<note>.*))?"), "hold_placed")],
    "hold_released": [(_pattern(rf"{KIND}(?:: (?P<note>.*))?"), "hold_released")],
}

# The reasons the system gave a transition, per transition.
BY_TRANSITION = {
    "start_arrangement": [
        (_pattern(rf"Promise to pay recorded by {USER}\."), "after_promise"),
        (_pattern(rf"Repayment plan agreed by {USER}\."), "after_plan_agreed"),
        (_pattern(rf"Repayment plan approved by {USER}\."), "after_plan_approved"),
    ],
    "put_on_hold": [(_pattern(rf"{KIND} hold placed by {USER}\."), "after_hold_placed")],
    "release_from_hold": [
        (_pattern(rf"{KIND} hold released by {USER}\."), "after_hold_released"),
        (_pattern(r"Hold ended on its end date\."), "released_hold_expired"),
    ],
    "resolve": [
        (_pattern(r"Paid in full by payment (?P<reference>.+)\."), "paid_in_full"),
        (_pattern(r"Nightly cycle: the balance is paid\."), "resolved_by_nightly_cycle"),
    ],
    "end_arrangement": [
        (_pattern(r"Arrangement fulfilled by payment (?P<reference>.+)\."), "arrangement_fulfilled"),
        (_pattern(r"Promise or plan broken\."), "arrangement_broken"),
    ],
    "escalate_to_field_visit": [(_pattern(rf"Field visit (?P<visit>\d+) approved by {USER}\."), "after_visit_approved")],
    **{name: [(_pattern(r"Nightly cycle\."), "escalated_by_nightly_cycle")] for name in NIGHTLY_RUNGS},
}

VISIT = _pattern(r"Visit (?P<visit>\d+): (?P<rest>.*)")
# A visit step's sentence the system wrote, whatever the step.
VISIT_SENTENCES = [
    (_pattern(r"requested"), "visit_requested"),
    (_pattern(r"requested as a documented exception \(flagged for compliance\)"), "visit_requested_as_exception"),
    (_pattern(r"notice queued by (?P<channels>[a-z_]+(?: [a-z_]+)*)"), "visit_notice_queued"),
    (_pattern(r"notice sent by (?P<channel>[a-z_]+)"), "visit_notified"),
    (_pattern(r"checked in"), "visit_checked_in"),
    (_pattern(r"report filed"), "visit_completed"),
    (_pattern(r"The notice left too late for the announced window\."), "visit_notice_too_late"),
    (_pattern(rf"Case {STATE}: .*"), "visit_case_stopped"),
]
# Steps whose reason was typed by a person (an approval note, why it was rejected…).
VISIT_TYPED = {
    "visit:approved": "visit_approved",
    "visit:rejected": "visit_rejected",
    "visit:aborted": "visit_aborted",
    "visit:cancelled": "visit_cancelled",
}


def _notice_time(text):
    """"2026-11-23 14:30", written in the server's zone, as an ISO instant."""
    naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
    return naive.replace(tzinfo=ZoneInfo(settings.TIME_ZONE)).isoformat()


def _params(code, found):
    """The parameters in the shapes the services now store."""
    params = {name: value for name, value in found.items() if value is not None}
    note = (params.pop("note", "") or "").strip()
    if "kind" in params:
        params["kind"] = KIND_OF[params["kind"]]
    if "state" in params:
        params["state"] = STATE_OF[params["state"]]
    for name in ("days_past_due", "count", "plan", "visit"):
        if name in params:
            params[name] = int(params[name])
    for name in ("previous", "collector"):
        if params.get(name) == "nobody":
            params[name] = ""
    if params.get("username") == "system":
        params["username"] = ""
    if "sent_at" in params:
        params["sent_at"] = _notice_time(params["sent_at"])
    if code == "plan_agreed" and params.pop("proposed", None):
        code = "plan_proposed"
    agreed_on_visit = re.fullmatch(r"Agreed on field visit (\d+)\.", note)
    if code in ("promise_recorded", "plan_agreed") and agreed_on_visit:
        params["visit"], note = int(agreed_on_visit.group(1)), ""
    # The whole old sentence stays in reason: the typed part of it is shown from here.
    params["note"] = note
    return code, params


def _first(patterns, text):
    for pattern, code in patterns:
        found = pattern.fullmatch(text)
        if found:
            return code, found.groupdict()
    return None


def parse(kind, transition, actor_id, reason):
    """(code, params) read off an old event's reason, or None when no pattern fits."""
    text = reason.strip()
    if not text:
        return None
    if kind == "hold_released" and actor_id is None:
        expired = re.fullmatch(rf"{KIND}: ended on its end date", text)
        if expired:
            return _params("hold_expired", expired.groupdict())
    if kind == "visit":
        visit = VISIT.fullmatch(text)
        if visit is None:
            return None
        number, rest = int(visit.group("visit")), visit.group("rest")
        found = _first(VISIT_SENTENCES, rest)
        if found is None and transition in VISIT_TYPED:
            # "approved" is what the service wrote when the approver typed no note.
            typed = "" if (transition, rest) == ("visit:approved", "approved") else rest
            found = (VISIT_TYPED[transition], {"note": typed})
        if found is None:
            return None
        code, values = found
        return _params(code, {**values, "visit": number})
    patterns = BY_TRANSITION.get(transition, []) if kind == "transition" else BY_KIND.get(kind, [])
    found = _first(patterns, text)
    return _params(*found) if found else None


def read_codes_off_reasons(apps, schema_editor):
    using = schema_editor.connection.alias
    CaseEvent = apps.get_model("cases", "CaseEvent")
    pending = CaseEvent.objects.using(using).filter(code="").exclude(reason="").order_by("pk")
    last_pk = 0
    while True:
        batch = list(pending.filter(pk__gt=last_pk).only("pk", "kind", "transition", "actor_id", "reason")[:BATCH])
        if not batch:
            break
        last_pk = batch[-1].pk
        changed = []
        for event in batch:
            parsed = parse(event.kind, event.transition, event.actor_id, event.reason)
            if parsed is not None:
                event.code, event.params = parsed
                changed.append(event)
        CaseEvent.objects.using(using).bulk_update(changed, ["code", "params"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_caseevent_code_params")]

    operations = [migrations.RunPython(read_codes_off_reasons, migrations.RunPython.noop)]
