"""The table the permission matrix (tests/test_permission_matrix.py) checks, as
tests/permission_world.py holds its world: one row per URL (as ``reverse`` knows it),
how it is requested, and what each actor of ACTORS gets back (the outcomes that
module's docstring lists). The admin's part is declared per registered model and page.
"""

from datetime import timedelta

from django.utils import timezone

from tests.permission_admin_table import ADMIN, ADMIN_OBJECTS
from tests.permission_world import ACTORS


def row(name, expected, *, obj=None, method="GET", data=None):
    """``expected``: one outcome per actor, in the order of ACTORS."""
    outcomes = expected.split()
    assert len(outcomes) == len(ACTORS), (name, expected)
    return {
        "name": name,
        "obj": obj,
        "method": method,
        "data": data,
        "expected": dict(zip(ACTORS, outcomes, strict=True)),
    }


TABLE = [
    row(f"admin:{model_key}_{view}", expected, obj=None if view in ("changelist", "add") else ADMIN_OBJECTS[model_key])
    for model_key, pages in ADMIN.items()
    for view, expected in pages.items()
]

# The admin's own pages and the custom admin views (get_urls): FSM transitions, job and
# scan buttons, the audit-chain check. "302" on a button means it ran (then redirected);
# on the transition URL F, R and A are sent back to the case with "not allowed" (no form
# transition exists: 400 for those who may escalate), see the state test below.
#                                                          anon   C     Cx    F     Fx    S     R     A
TABLE += [
    row("admin:index", "login 200   200   200   200   200   200   200"),
    row("admin:login", "200   302   302   302   302   302   302   302"),
    row("admin:logout", "302   405   405   405   405   405   405   405"),
    row("admin:logout", "302   200   200   200   200   200   200   200", method="POST"),
    row("admin:password_change", "login 200   200   200   200   200   200   200"),
    row("admin:password_change_done", "login 200   200   200   200   200   200   200"),
    row("admin:autocomplete", "login 403   403   403   403   403   403   403"),
    row("admin:jsi18n", "login 200   200   200   200   200   200   200"),
    row("admin:view_on_site", "login 404   404   404   404   404   404   404", obj="case"),
    row("admin:app_list", "login 200   200   200   200   200   200   200", obj="cases"),
    # Nobody sets another person's password in the admin (accounts/admin_users.py).
    row("admin:auth_user_password_change", "login 403   403   403   403   403   403   403", obj="user"),
    row("admin:cases_collectioncase_transition", "login 400   404   302   404   400   302   302", obj="case"),
    row(
        "admin:cases_collectioncase_transition",
        "login 400   404   302   404   400   302   302",
        obj="case",
        method="POST",
    ),
    # Collectors and field agents are sent to the case's desk before the admin reads the
    # post (nothing moves: test_collectors_and_field_agents_are_sent_from_the_admin_case_pages_to_the_desk).
    row(
        "admin:cases_collectioncase_change",
        "login 302   404   302   404   200   403   403",
        obj="case",
        method="POST",
        data={"_fsm_transition_to": "start_reminders"},
    ),
    # The job buttons open a page that says what will run (GET); the POST runs it.
    row("admin:core_jobrun_run_nightly", "login 403   403   403   403   200   403   200"),
    # The case list's export (CSV by default): everyone who may view cases gets the rows of
    # their own book (Cx and Fx an empty table: tests/cases/test_exports.py).
    row("admin:cases_collectioncase_export", "login 200   200   200   200   200   200   200"),
    # The case list's bulk assignment: its question page for who may assign; reviewers and
    # administrators, who are offered no action, get the list again and collectors and field
    # agents their queue, nothing assigned (tests/cases/test_assignment_admin.py).
    row(
        "admin:cases_collectioncase_changelist",
        "login 302   302   302   302   200   200   200",
        method="POST",
        data=lambda w: {"action": "assign_to_collector", "_selected_action": [w.case.pk]},
    ),
    row("admin:cases_collectioncase_allocate", "login 403   403   403   403   403   403   403"),
    row("admin:cases_collectioncase_allocate", "login 403   403   403   403   302   403   403", method="POST"),
    row("admin:core_jobrun_run_nightly", "login 403   403   403   403   302   403   302", method="POST"),
    row("admin:compliance_finding_run_scan", "login 403   403   403   403   403   200   403"),
    row("admin:compliance_finding_run_scan", "login 403   403   403   403   403   302   403", method="POST"),
    row("admin:compliance_finding_verify_chain", "login 403   403   403   403   403   403   403"),
    row("admin:compliance_finding_verify_chain", "login 403   403   403   403   403   302   403", method="POST"),
    row("admin:audit_auditledger_verify", "login 403   403   403   403   403   403   403"),
    row("admin:audit_auditledger_verify", "login 403   403   403   403   403   302   403", method="POST"),
]

# Staff pages outside the admin, and the two public ones. The two-factor pages: a
# signed-in, verified person is sent on from the token page; anyone may (re-)enrol. The
# queue says 403 to roles that work none, a case's desk 404 to who may not see the case;
# the visit and compliance pages say 403.
#                                                          anon   C     Cx    F     Fx    S     R     A
TABLE += [
    # The collector's desk: the queue is for who works one (collectors, supervisors
    # covering); the case desk for whoever sees the case; its forms post back to it.
    row("desk:queue", "login 200   200   403   403   200   403   403"),
    # The KPI dashboard: supervisors run the book from it, reviewers read it.
    row("desk:dashboard", "login 403   403   403   403   200   200   403"),
    # The collectors' workload: supervisors (their team, or everyone) and reviewers.
    row("desk:workload", "login 403   403   403   403   200   200   403"),
    row("desk:case", "login 200   404   200   404   200   200   200", obj="case"),
    row("desk:log", "login 405   405   405   405   405   405   405", obj="case"),
    # The world's case is on its first rung, where no call is allowed yet: who may log a
    # call has it judged and refused (stored blocked, 409); who may not is refused (403).
    row(
        "desk:log",
        "login 409   404   409   404   409   403   403",
        obj="case",
        method="POST",
        data=lambda w: {"route": f"phone_call:{w.phone.pk}", "outcome": "no_answer", "note": ""},
    ),
    row(
        "desk:promise",
        "login 302   404   302   404   302   403   403",
        obj="case",
        method="POST",
        data=lambda w: {"promise-amount": "20.00", "promise-due_date": timezone.localdate() + timedelta(days=3)},
    ),
    # The world's case already has a plan waiting for approval: one plan at a time (400)
    # for who may agree plans; 403 for who may not.
    row(
        "desk:plan",
        "login 400   404   400   404   400   403   403",
        obj="case",
        method="POST",
        data=lambda w: {
            "plan-total": "100.00",
            "plan-count": "2",
            "plan-first_due": timezone.localdate() + timedelta(days=7),
            "plan-every": "monthly",
        },
    ),
    # Compliance reviewers may stop collection too (compliance/roles.py).
    row(
        "desk:hold",
        "login 302   404   403   404   302   302   403",
        obj="case",
        method="POST",
        data={"hold-kind": "dispute", "hold-note": "Says the loan was repaid."},
    ),
    row(
        "desk:visit",
        "login 400   404   403   404   400   403   403",
        obj="case",
        method="POST",
        data=lambda w: {
            "visit-window_start": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d 10:00"),
            "visit-window_end": (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d 12:00"),
            "visit-address": "上海市黄浦区人民路1号",
            "visit-reason": "Numbers changed.",
        },
    ),
    row(
        "desk:step",
        "login 302   404   403   404   302   403   403",
        obj="case",
        method="POST",
        data={"transition": "start_reminders", "reason": ""},
    ),
    # Everyone's own notifications; one of someone else's is "not found" (404).
    row("desk:notifications", "login 200   200   200   200   200   200   200"),
    row("desk:notifications_read_all", "login 405   405   405   405   405   405   405"),
    row("desk:notifications_read_all", "login 302   302   302   302   302   302   302", method="POST"),
    row("desk:notification_read", "login 405   405   405   405   405   405   405", obj="notification"),
    row("desk:notification_read", "login 302   404   404   404   404   404   404", obj="notification", method="POST"),
    row("desk:notification_digest", "login 405   405   405   405   405   405   405"),
    row(
        "desk:notification_digest",
        "login 302   302   302   302   302   302   302",
        method="POST",
        data={"daily_digest": "on"},
    ),
    row("contacts:delivery_receipt", "405   405   405   405   405   405   405   405"),
    row(
        "contacts:delivery_receipt",
        "403   403   403   403   403   403   403   403",
        method="POST",
        data={"message_id": "x", "status": "delivered"},
    ),
    row("contacts:inbound_message", "405   405   405   405   405   405   405   405"),
    row(
        "contacts:inbound_message",
        "403   403   403   403   403   403   403   403",
        method="POST",
        data={"channel": "sms", "from": "+8613800000001", "body": "STOP", "message_id": "x"},
    ),
    row("cases:import_feed", "login 403   403   403   403   403   403   200"),
    row("cases:import_feed", "login 403   403   403   403   403   403   200", method="POST"),
    row("cases:import_progress", "login 403   403   403   403   403   403   200", obj="import_run"),
    row("visits:inbox", "login 403   403   403   403   200   403   403"),
    row("visits:decide", "login 403   403   403   403   200   403   403", obj="visit"),
    row(
        "visits:decide",
        "login 403   403   403   403   302   403   403",
        obj="visit",
        method="POST",
        data={"reject": "1", "note": "Not yet: call again first."},
    ),
    row("visits:mine", "login 403   403   200   200   403   403   403"),
    row("visits:act", "login 403   403   403   403   403   403   403", obj="live_visit"),
    row(
        "visits:act",
        "login 403   403   404   404   403   403   403",
        obj="live_visit",
        method="POST",
        data={"action": "no-such-action"},
    ),
    row("visits:report", "login 403   403   200   404   403   403   403", obj="live_visit"),
    # The agent's phone pages: checked in already, the check-in page leads to the report.
    row("visits:check_in", "login 403   403   302   404   403   403   403", obj="live_visit"),
    row(
        "visits:draft",
        "login 403   403   200   404   403   403   403",
        obj="live_visit",
        method="POST",
        data={"report_note": "Nobody answered the door."},
    ),
    row("visits:draft_file", "login 403   403   200   404   403   403   403", obj="live_visit"),
    row("visits:request", "login 200   404   403   403   200   403   403", obj="case"),
    # The integration API takes API keys only: a staff session is no key (401 for everyone);
    # its schema and documentation page are public.
    row("api:contact_check", "401   401   401   401   401   401   401   401", method="POST", data={}),
    row("api:contact_check_batch", "401   401   401   401   401   401   401   401", method="POST", data={}),
    row("api:contact_attempts", "401   401   401   401   401   401   401   401", method="POST", data={}),
    row("api:messages_inbound", "401   401   401   401   401   401   401   401", method="POST", data={}),
    row("api:payments", "401   401   401   401   401   401   401   401", method="POST", data={}),
    row("api:loan", "401   401   401   401   401   401   401   401", obj="case"),
    row("api:schema", "200   200   200   200   200   200   200   200"),
    row("api:docs", "200   200   200   200   200   200   200   200"),
    # Uploaded files: only to who may see the record and its case (a field agent: while
    # their visit to it is live); the agent's photo to staff, and to the borrower on /verify/.
    row("hold_file", "login 200   404   200   404   200   200   200", obj="hold"),
    row("visits:file", "login 200   404   200   404   200   200   200", obj="live_visit"),
    row("visits:agent_file", "login 200   200   200   200   200   200   200", obj="agent"),
    row("verify_photo", "200   200   200   200   200   200   200   200", obj="live_visit"),
    row("compliance:workspace", "login 403   403   403   403   403   200   403"),
    row(
        "compliance:dossier_search",
        "login 403   403   403   403   403   302   403",
        data=lambda w: {"loan": w.account.loan_number},
    ),
    row("compliance:dossier", "login 403   403   403   403   403   200   403", obj="case"),
    row("compliance:dossier_csv", "login 403   403   403   403   403   200   403", obj="case"),
    # Supervisors: their team's cases and agents (C is in S's team; others: 404, tests/compliance).
    row("compliance:case_intensity", "login 403   403   403   403   200   200   403", obj="case"),
    row("compliance:agent_intensity", "login 403   403   403   403   200   200   403", obj="C"),
    row("compliance:retention", "login 403   403   403   403   403   200   403"),
    row("accounts:verify", "login 302   302   302   302   302   302   302"),
    row("accounts:verify", "login 302   302   302   302   302   302   302", method="POST", data={"token": "000000"}),
    row("accounts:enrol", "login 200   200   200   200   200   200   200"),
    row("accounts:enrol", "login 200   200   200   200   200   200   200", method="POST", data={"token": "000000"}),
    row("verify", "200   200   200   200   200   200   200   200"),
    row("favicon", "301   301   301   301   301   301   301   301"),
    row("set_language", "302   302   302   302   302   302   302   302"),
]
