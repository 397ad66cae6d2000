"""The reviewer's dossier shows the forbearance assessments (options, answer, who, when) and
the debt's limitation date with its basis, in the reader's language: labels and dates,
never codes or ISO text."""

from datetime import date, timedelta
import re

from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from cases.models import LoanAccount
from policy.selectors import current_profile
from preferences.models import StaffProfile
from tests.clients import client_for
from tests.factories import create_case

CODES = ["payment_holiday", "repayment_plan", "term_extension", "no_response", "accepted", "acknowledged"]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def dossier_page(reviewer, case, language: str) -> str:
    StaffProfile.objects.update_or_create(user=reviewer, defaults={"language": language})
    return client_for(reviewer).get(reverse("compliance:dossier", args=[case.pk])).content.decode()


def assessed_case(collector):
    case = create_case(dpd=40, collector=collector)
    LoanAccount.objects.filter(pk=case.account_id).update(last_acknowledged_on=date(2024, 5, 2))
    case_services.record_forbearance_assessment(
        case,
        circumstances="Lost the second job in October.",
        options_offered=["payment_holiday", "repayment_plan"],
        answer="accepted",
        accepted_option="repayment_plan",
        debt_advice_offered=True,
        by=collector,
        assessed_at=timezone.now() - timedelta(days=3),
    )
    case_services.record_forbearance_assessment(
        case,
        circumstances="Still out of work.",
        options_offered=["term_extension"],
        answer="no_response",
        by=collector,
    )
    return case


def test_the_dossier_shows_assessments_and_the_limitation_date_in_english(db, collector, reviewer):
    case = assessed_case(collector)
    page = dossier_page(reviewer, case, "en")
    assert "Forbearance and limitation" in page
    assert "Payment holiday, Repayment plan" in page and "Accepted an option: Repayment plan" in page
    assert "Term extension" in page and "No response" in page and "referral offered" in page
    assert collector.username in page and "Lost the second job in October." in page
    three_days_ago = timezone.localtime(timezone.now() - timedelta(days=3))
    assert three_days_ago.strftime("%-d %b %Y") in page
    label = current_profile("CN").label
    assert (
        "Time-barred after 2 May 2027: counted from the last payment or acknowledgement of the debt, on 2 May 2024, "
        f"plus 3 years, the period of {label}." in page
    )


def test_the_dossier_in_chinese_shows_no_raw_code_or_iso_date(db, collector, reviewer):
    case = assessed_case(collector)
    page = dossier_page(reviewer, case, "zh-hans")
    section = page[page.index("dossier-limitation") : page.index("dossier-arrangements")]
    assert "2027年5月2日" in section and "2024年5月2日" in section
    assert "还款计划" in section  # an option by its label
    assert not [code for code in CODES if re.search(rf"\b{code}\b", section)]
    assert not ISO_DATE.search(section)
