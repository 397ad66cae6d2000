"""The reviewer's landing page: the findings queue most severe first, samples due, open
complaints, agents to watch, and the dossier search."""

from django.urls import reverse

from compliance import services
from tests.clients import client_for
from tests.clock import ago
from tests.factories import create_case, make_attempt


def test_landing_page_shows_the_queues(db, reviewer, supervisor, collector):
    case = create_case(collector=collector)
    services.raise_finding(by=reviewer, severity="low", summary="LOW-ONE", case=case)
    services.raise_finding(by=reviewer, severity="high", summary="HIGH-ONE", case=case)
    services.queue_sample(case, by=reviewer)
    services.record_complaint(
        by=supervisor,
        borrower=case.account.borrower,
        case=case,
        channel="phone",
        category="impostor",
        description="a man said he was from you",
    )
    make_attempt(case, ago(days=1), agent=collector, allowed=False, reasons=["daily_cap"])

    response = client_for(reviewer).get(reverse("compliance:workspace"))
    page = response.content.decode()
    assert page.index("HIGH-ONE") < page.index("LOW-ONE")
    assert "Impostor claiming to be our agent" in page
    assert reverse("admin:compliance_reviewsample_change", args=[case.review_samples.get().pk]) in page
    assert response.context["agents"][0]["blocked"] == 1
    assert f'action="{reverse("compliance:dossier_search")}"' in page
