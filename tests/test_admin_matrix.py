"""Every admin list and add page × every role, against a table of what each role may do.

A change to roles.py or an admin's permissions that widens access fails here first.
"""

from django.contrib import admin
from django.test import Client
from django.urls import reverse
import pytest

from tests.clients import sign_in
from tests.factories import ROLES

C, F, S, R, A = ROLES  # Collector, Field agent, Supervisor, Compliance reviewer, Administrator
EVERYONE = set(ROLES)

# (admin url name, roles that get 200; every other role gets 403, or the redirect below)
PAGES = [
    ("cases_borrower_changelist", EVERYONE),
    ("cases_contactpoint_changelist", EVERYONE),
    ("cases_loanaccount_changelist", EVERYONE),
    ("cases_collectioncase_changelist", {S, R, A}),
    # The list's export: everyone who may view cases, each within their own book
    # (tests/cases/test_exports.py checks the rows and the masking per role).
    ("cases_collectioncase_export", EVERYONE),
    ("cases_caseevent_changelist", EVERYONE),
    ("cases_hold_changelist", EVERYONE),
    ("cases_promisetopay_changelist", EVERYONE),
    ("cases_payment_changelist", {C, S, R, A}),
    ("cases_repaymentplan_changelist", {C, S, R, A}),
    ("cases_installment_changelist", {C, S, R, A}),
    ("cases_teammember_changelist", {S, R, A}),
    ("cases_teammember_add", {A}),
    ("policy_policyprofile_changelist", EVERYONE),
    ("auth_user_changelist", {S, R, A}),
    ("auth_group_changelist", {R, A}),
    ("cases_hold_add", {C, S}),
    ("cases_forbearanceassessment_changelist", {C, S, R, A}),
    ("cases_forbearanceassessment_add", {C, S}),
    ("cases_promisetopay_add", {C, F, S}),
    ("cases_collectioncase_add", set()),
    ("cases_payment_add", set()),
    ("cases_caseevent_add", set()),
    ("cases_repaymentplan_add", set()),
    ("cases_installment_add", set()),
    ("cases_borrower_add", {A}),
    ("cases_contactpoint_add", {S, A}),
    ("cases_loanaccount_add", {A}),
    ("policy_policyprofile_add", {A}),
    ("auth_user_add", {A}),
    ("auth_group_add", set()),
    ("contacts_contactattempt_changelist", EVERYONE),
    ("contacts_messagetemplate_changelist", {C, S, R, A}),
    ("contacts_channeloptout_changelist", {C, S, R, A}),
    ("contacts_contactattempt_add", set()),
    ("contacts_messagetemplate_add", {A}),
    ("contacts_channeloptout_add", {C, S}),
    ("contacts_outboundmessage_changelist", {C, S, R, A}),
    ("contacts_outboundmessage_add", set()),
    ("contacts_consent_changelist", {C, S, R, A}),
    ("contacts_consent_add", {C, S}),
    ("contacts_consentrevocation_changelist", {C, S, R, A}),
    ("contacts_consentrevocation_add", {C, S}),
    ("contacts_inboundmessage_changelist", {C, S, R, A}),
    ("contacts_inboundmessage_add", set()),
    ("core_jobrun_changelist", {S, R, A}),
    ("core_jobrun_add", set()),
    ("visits_fieldvisit_changelist", {C, F, S, R, A}),
    ("visits_fieldvisit_add", set()),
    ("visits_fieldagent_changelist", EVERYONE),
    ("visits_fieldagent_add", {S, A}),
    ("compliance_finding_changelist", {R}),
    ("compliance_finding_add", {R}),
    ("compliance_reviewsample_changelist", {R}),
    ("compliance_reviewsample_add", {R}),
    ("compliance_complaint_changelist", {S, R}),
    ("compliance_complaint_add", {S, R}),
    ("audit_accesslog_changelist", {R}),
    ("audit_accesslog_add", set()),
    ("audit_auditledger_changelist", {R}),
    ("audit_auditledger_add", set()),
    # Sign-in security: administrators unlock sign-ins and remove lost authenticators.
    ("axes_accessattempt_changelist", {R, A}),
    ("axes_accessattempt_add", set()),
    ("axes_accesslog_changelist", {R, A}),
    ("axes_accesslog_add", set()),
    ("axes_accessfailurelog_changelist", set()),
    ("axes_accessfailurelog_add", set()),
    ("otp_totp_totpdevice_changelist", {A}),
    ("otp_totp_totpdevice_add", set()),
    # Role and authenticator changes (one administrator asks, another approves), enrolment codes.
    ("accounts_accesschange_changelist", {R, A}),
    ("accounts_accesschange_add", {A}),
    ("accounts_enrolmentcode_changelist", {R, A}),
    ("accounts_enrolmentcode_add", {A}),
    ("api_apiclient_changelist", {R, A}),
    ("api_apiclient_add", {A}),
    ("api_apicall_changelist", {R, A}),
    ("api_apicall_add", set()),
    ("api_webhookendpoint_changelist", {R, A}),
    ("api_webhookendpoint_add", {A}),
    ("api_webhookdelivery_changelist", {R, A}),
    ("api_webhookdelivery_add", set()),
]

# Admin pages that send some roles elsewhere: (admin url name, those roles, where to).
# Collectors and field agents work from the desk: their list of cases is the queue.
REDIRECTED = {"cases_collectioncase_changelist": ({C, F}, "desk:queue")}

# Staff pages outside the admin: (url name, roles that get 200, what the others get)
WORK_PAGES = [
    ("desk:queue", {C, S}, 403),
    ("desk:workload", {S, R}, 403),
    ("cases:import_feed", {A}, 403),
    ("visits:inbox", {S}, 403),
    ("visits:mine", {F}, 403),
    ("compliance:workspace", {R}, 403),
]


def test_table_covers_every_registered_admin():
    listed = {name.rsplit("_", 1)[0] for name, _ in PAGES}
    registered = {f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry}
    assert registered == listed


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_per_role(db, users_by_role, role):
    client = Client()
    sign_in(client, users_by_role[role])
    responses = {name: client.get(reverse(f"admin:{name}")) for name, _ in PAGES}
    outcome = {
        name: (response.status_code, response.get("Location") if response.status_code == 302 else None)
        for name, response in responses.items()
    }
    expected = {name: (200, None) if role in allowed else (403, None) for name, allowed in PAGES}
    for name, (roles, target) in REDIRECTED.items():
        if role in roles:
            expected[name] = (302, reverse(target))
    assert outcome == expected
    work = {name: client.get(reverse(name)).status_code for name, _, _ in WORK_PAGES}
    assert work == {name: 200 if role in allowed else refused for name, allowed, refused in WORK_PAGES}


def test_anonymous_visitors_are_sent_to_the_login(db):
    for name, _ in PAGES:
        response = Client().get(reverse(f"admin:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"], name
