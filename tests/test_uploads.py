"""Uploaded files — a hold's evidence, a visit's signed agreement and receipt, an agent's
photo: accepted by content (PDF, JPEG, PNG) and size, kept under random names, and given
out only through views that check who asks, as attachments, each download on the access log."""

from datetime import timedelta
import re

from django.test import Client
from django.urls import reverse
import pytest

from audit.models import AccessLog
from cases import services as case_services
from cases.models import Hold
from contacts import outbox
from tests.clients import client_for
from tests.clock import SHANGHAI, frozen, local, window
from tests.factories import (
    HTML_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    SVG_BYTES,
    create_case,
    eligible_case,
    make_user,
    uploaded,
)
from visits import services as visit_services
from visits.models import FieldVisit, VisitState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OUTBOX_DIR = tmp_path / "outbox"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def add_hold(user, case, evidence):
    return client_for(user).post(
        reverse("admin:cases_hold_add"),
        {"case": case.pk, "kind": Hold.Kind.HARDSHIP, "note": "Hospital stay.", "evidence": evidence},
    )


def field_errors(page) -> str:
    """The text of the errors shown beside the form's fields."""
    return " ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page.content.decode(), re.S))


# --- accepted by content and size ---------------------------------------------------------


@pytest.mark.parametrize(
    "content, name, content_type",
    [
        (SVG_BYTES, "medical-note.svg", "image/svg+xml"),
        (SVG_BYTES, "medical-note.pdf", "application/pdf"),  # the name and the browser's word lie
        (HTML_BYTES, "medical-note.html", "text/html"),
        (HTML_BYTES, "medical-note.png", "image/png"),
    ],
)
def test_svg_and_html_evidence_is_refused_naming_the_field(collector, media, content, name, content_type):
    case = create_case(dpd=20, collector=collector)
    page = add_hold(collector, case, uploaded(content, name, content_type))
    assert page.status_code == 200
    assert "Evidence: this file&#x27;s content is not of a kind accepted here (PDF, JPEG, PNG)." in field_errors(page)
    assert not Hold.objects.exists() and stored_files(media) == []


def test_oversized_evidence_is_refused_naming_the_field(collector, settings, media):
    settings.UPLOAD_MAX_MB = {**settings.UPLOAD_MAX_MB, "hold_evidence": 1}
    case = create_case(dpd=20, collector=collector)
    big = PDF_BYTES + b"0" * (1024 * 1024)
    page = add_hold(collector, case, uploaded(big, "scan.pdf"))
    assert "Evidence: this file is 1.0 MB; the largest accepted is 1 MB." in field_errors(page)
    assert not Hold.objects.exists() and stored_files(media) == []


# --- kept under a random name, given out only to who may see the case ------------------------


def test_pdf_evidence_is_kept_under_a_random_name_and_served_only_to_who_may_see_the_case(
    collector, supervisor, reviewer, field_agent, media
):
    case = create_case(dpd=20, collector=collector)
    assert add_hold(collector, case, uploaded(PDF_BYTES, "zhang-wei medical.pdf")).status_code == 302
    hold = Hold.objects.get()
    assert re.fullmatch(r"hold-evidence/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", hold.evidence.name)
    download = reverse("hold_file", args=[hold.pk, "evidence"])
    # The hold's own page links to the download view, never to the media folder.
    hold_page = client_for(supervisor).get(reverse("admin:cases_hold_change", args=[hold.pk])).content.decode()
    assert f'href="{download}"' in hold_page and "/media/" not in hold_page
    # So does the case desk, where the collector works the case while the hold lasts.
    desk = client_for(collector).get(reverse("desk:case", args=[case.pk])).content.decode()
    assert f'href="{download}"' in desk and "/media/" not in desk

    for allowed in (collector, supervisor, reviewer):
        response = client_for(allowed).get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="hold-{hold.pk}-evidence.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
    logged = AccessLog.objects.filter(where="hold evidence", case_id=case.pk)
    assert sorted(logged.values_list("user__username", flat=True)) == sorted(
        u.username for u in (collector, supervisor, reviewer)
    )

    other_collector = make_user("Collector")
    assert client_for(other_collector).get(download).status_code == 404
    assert client_for(field_agent).get(download).status_code == 404  # no visit to this case
    assert Client().get(download).status_code == 302  # to the sign-in page
    assert client_for(collector).get(reverse("hold_file", args=[hold.pk, "note"])).status_code == 404
    assert client_for(supervisor).get(f"/media/{hold.evidence.name}").status_code == 404  # no media route
    assert logged.count() == 3  # refusals read nothing


def test_a_file_kept_before_uploads_were_checked_is_only_ever_a_download(supervisor, collector, media):
    case = create_case(dpd=20, collector=collector)
    hold = case_services.place_hold(case, Hold.Kind.DISPUTE, by=collector)
    (media / "hold-evidence").mkdir(parents=True)
    (media / "hold-evidence" / "old.html").write_bytes(HTML_BYTES)
    Hold.objects.filter(pk=hold.pk).update(evidence="hold-evidence/old.html")
    response = client_for(supervisor).get(reverse("hold_file", args=[hold.pk, "evidence"]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="hold-{hold.pk}-evidence"'
    assert "sandbox" in response["Content-Security-Policy"]


# --- a visit's signed agreement and receipt ------------------------------------------------------


REPORT = {
    "outcome": "met_borrower",
    "identity_verified": "on",
    "identity_method": "ID card",
    "willingness": "willing",
    "ability": "partly",
    "next_steps": "Pays 1,000 on Friday.",
    "conduct_attested": "on",
}


def visit_under_way(collector, supervisor, agents):
    """Requested, approved, announced and checked in to, through the services."""
    start, end = window()
    case = eligible_case(collector=collector)
    visit = visit_services.request_visit(
        case, by=collector, reason="r", window_start=start, window_end=end, address="a"
    )
    with frozen(local(SHANGHAI, day_offset=1, hour=10)):  # the 48 hours' notice before the window
        visit_services.approve_visit(visit, by=supervisor, agents=agents)
        visit_services.send_notice(FieldVisit.objects.get(pk=visit.pk))
        outbox.dispatch_outbox()
        visit_services.sync_notices()
    with frozen(start + timedelta(minutes=10)):
        return visit_services.check_in(FieldVisit.objects.get(pk=visit.pk), by=agents[0].user)


def file_report(agent, visit, **files):
    with frozen(visit.window_start + timedelta(minutes=30)):
        return client_for(agent).post(reverse("visits:report", args=[visit.pk]), {**REPORT, **files})


def test_an_html_agreement_is_refused_on_the_report_naming_the_field(
    collector, supervisor, agents, notice_templates, media
):
    visit = visit_under_way(collector, supervisor, agents)
    page = file_report(agents[0].user, visit, agreement_file=uploaded(HTML_BYTES, "agreement.pdf"))
    assert page.status_code == 200
    assert "Signed agreement: this file&#x27;s content is not of a kind accepted here" in field_errors(page)
    assert FieldVisit.objects.get(pk=visit.pk).state == VisitState.IN_PROGRESS and stored_files(media) == []


def test_a_signed_agreement_is_served_to_who_may_see_the_case_and_no_longer_to_the_agent(
    collector, supervisor, reviewer, agents, notice_templates, media
):
    visit = visit_under_way(collector, supervisor, agents)
    receipt = uploaded(PNG_BYTES, "receipt.png", "image/png")
    response = file_report(
        agents[0].user, visit, agreement_file=uploaded(PDF_BYTES, "signed.pdf"), receipt_file=receipt
    )
    assert response.status_code == 302
    visit = FieldVisit.objects.get(pk=visit.pk)
    assert visit.state == VisitState.COMPLETED
    assert re.fullmatch(r"visit-agreements/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", visit.agreement_file.name)
    assert re.fullmatch(r"visit-receipts/\d{4}/\d{2}/[0-9a-f]{32}\.png", visit.receipt_file.name)
    agreement = reverse("visits:file", args=[visit.pk, "agreement_file"])
    visit_page = client_for(reviewer).get(reverse("admin:visits_fieldvisit_change", args=[visit.pk])).content.decode()
    assert f'href="{agreement}"' in visit_page and "/media/" not in visit_page

    for allowed in (collector, supervisor, reviewer):
        response = client_for(allowed).get(agreement)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
    receipt_response = client_for(supervisor).get(reverse("visits:file", args=[visit.pk, "receipt_file"]))
    assert receipt_response["Content-Type"] == "image/png"
    assert receipt_response["Content-Disposition"] == f'attachment; filename="visit-{visit.pk}-receipt.png"'
    assert AccessLog.objects.filter(where="visit agreement file", case_id=visit.case_id).count() == 3

    # The visit is over: its agents no longer see the case, nor its files.
    assert client_for(agents[0].user).get(agreement).status_code == 404
    assert client_for(make_user("Collector")).get(agreement).status_code == 404
    assert (
        client_for(make_user("Administrator")).get(reverse("visits:file", args=[visit.pk, "address"])).status_code
        == 404
    )


# --- the agent's photo on the borrower's /verify/ page -------------------------------------------


def test_the_agents_photo_shows_on_verify_only_while_the_visit_is_valid(
    collector, supervisor, agents, notice_templates, media
):
    agent = agents[0]
    agent.photo = uploaded(PNG_BYTES, "me.png", "image/png")
    agent.save()
    assert re.fullmatch(r"agent-photos/\d{4}/\d{2}/[0-9a-f]{32}\.png", agent.photo.name)
    visit = visit_under_way(collector, supervisor, agents)
    photo = reverse("verify_photo", args=[visit.verification_code, agent.pk])
    with frozen(visit.window_start + timedelta(minutes=30)):
        page = Client().post(reverse("verify"), {"code": visit.verification_code}).content.decode()
        assert f'src="{photo}"' in page
        response = Client().get(photo)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PNG_BYTES
        assert Client().get(reverse("verify_photo", args=["WRONGCODE9", agent.pk])).status_code == 404
        assert Client().get(reverse("verify_photo", args=[visit.verification_code, agents[1].pk])).status_code == 404
    with frozen(visit.window_end + timedelta(hours=1)):
        assert Client().get(photo).status_code == 404
    # Staff who manage agents download it.
    staff = client_for(supervisor).get(reverse("visits:agent_file", args=[agent.pk, "photo"]))
    assert staff.status_code == 200 and staff["Content-Disposition"].startswith("attachment;")


def test_an_svg_photo_is_refused(supervisor, agents, media):
    agent = agents[0]
    page = client_for(supervisor).post(
        reverse("admin:visits_fieldagent_change", args=[agent.pk]),
        {
            "user": agent.user.pk,
            "badge_number": agent.badge_number,
            "regions": agent.regions,
            "active": "on",
            "photo": uploaded(SVG_BYTES, "me.png", "image/png"),
        },
    )
    assert (
        page.status_code == 200
        and "Photo: this file&#x27;s content is not of a kind accepted here (JPEG, PNG)." in (field_errors(page))
    )
    assert stored_files(media) == []
