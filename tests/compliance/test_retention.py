"""Records are kept at least their profile's retention period; the report lists what is
past it, and deletes nothing."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import CollectionCase
from compliance.selectors import retention_report, years_after
from tests.clients import client_for
from tests.factories import create_case, make_attempt


def _closed(supervisor, *, profile, years_ago, last_contact_years_ago=None):
    case = create_case(profile=profile)
    case_services.apply_transition(case, "write_off", by=supervisor, reason="no assets")
    closed_at = years_after(timezone.now(), -years_ago)
    # Back-date the closure and its events: the test stands years in the future.
    CollectionCase.objects.filter(pk=case.pk).update(closed_at=closed_at)
    case.events.update(at=closed_at - timedelta(days=1))
    if last_contact_years_ago is not None:
        make_attempt(case, years_after(timezone.now(), -last_contact_years_ago))
    return case


def test_retention_report_lists_only_what_is_past_its_profiles_period(db, supervisor, reviewer):
    us_old = _closed(supervisor, profile="US-REGF", years_ago=4)  # kept 3 years
    cn_four = _closed(supervisor, profile="CN", years_ago=4)  # kept 5 years
    cn_old = _closed(supervisor, profile="CN", years_ago=6)
    cn_touched = _closed(supervisor, profile="CN", years_ago=6, last_contact_years_ago=2)  # activity since
    create_case(profile="US-REGF")  # open: never past retention

    report = retention_report()
    assert [row.case.pk for row in report.cases] == [cn_old.pk, us_old.pk]
    assert {b.pk for b, _ in report.borrowers} == {cn_old.account.borrower_id, us_old.account.borrower_id}
    row = next(r for r in report.cases if r.case.pk == us_old.pk)
    assert row.retention_years == 3 and row.kept_until <= timezone.now()
    assert not {cn_four.pk, cn_touched.pk} & {r.case.pk for r in report.cases}

    page = client_for(reviewer).get(reverse("compliance:retention")).content.decode()
    assert us_old.account.loan_number in page and cn_four.account.loan_number not in page
    assert CollectionCase.objects.filter(pk=cn_old.pk).exists()  # listed, not deleted
