"""Posting a default charge and recording an acknowledgement of the debt from the account
list: the answers on a page of their own, the services' refusals shown by name."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from cases.models import LoanAccount
from tests.clients import client_for
from tests.factories import create_case

URL = reverse("admin:cases_loanaccount_changelist")


def _act(client, action, account, **answers):
    data = {"action": action, ACTION_CHECKBOX_NAME: [account.pk], **answers}
    return client.post(URL, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)


def test_a_charge_over_the_eu_cap_is_refused_and_one_under_no_cap_is_posted(db, supervisor):
    eu = create_case(dpd=40, profile="EU-CCD2", currency="EUR").account
    us = create_case(dpd=40, profile="US-REGF", currency="USD").account
    client = client_for(supervisor)
    asked = _act(client, "post_default_charge", eu)
    assert "what it is for" in asked.content.decode() and "EU-CCD2: costs only" in asked.content.decode()
    refused = _act(client, "post_default_charge", eu, apply="1", amount="15.00", reason="Late fee")
    assert "allows at most €0.00" in refused.content.decode()
    assert LoanAccount.objects.get(pk=eu.pk).outstanding_fees == eu.outstanding_fees
    before = us.outstanding_fees
    posted = _act(client, "post_default_charge", us, apply="1", amount="15.00", reason="Returned payment")
    assert "done" in posted.content.decode()
    assert LoanAccount.objects.get(pk=us.pk).outstanding_fees == before + Decimal("15.00")


def test_an_acknowledgement_moves_the_limitation_date_and_a_future_one_is_refused(db, supervisor):
    account = create_case(dpd=40).account
    client = client_for(supervisor)
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = _act(client, "record_acknowledgement", account, apply="1", on=tomorrow, evidence="letter")
    assert "cannot be dated in the future" in refused.content.decode()
    assert LoanAccount.objects.get(pk=account.pk).last_acknowledged_on is None
    today = timezone.localdate()
    _act(client, "record_acknowledgement", account, apply="1", on=today, evidence="signed letter, file 12")
    assert LoanAccount.objects.get(pk=account.pk).last_acknowledged_on == today


def test_a_collector_gets_neither_action(db, collector):
    case = create_case(dpd=40)
    case.assigned_collector = collector
    case.save(update_fields=["assigned_collector"])
    page = client_for(collector).get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Post a default charge" not in page and "Record an acknowledgement" not in page
    _act(client_for(collector), "post_default_charge", case.account, apply="1", amount="5.00", reason="x")
    assert LoanAccount.objects.get(pk=case.account.pk).outstanding_fees == case.account.outstanding_fees
