"""The dossier's CSV download: safe to open in a spreadsheet whatever the list separator,
and a file name no loan number can break out of."""

import csv
import io

from django.urls import reverse
import pytest

from cases.models import CaseEvent
from compliance.dossier import spreadsheet_safe
from tests.clients import client_for
from tests.factories import create_case


def download(case, reviewer):
    return client_for(reviewer).get(reverse("compliance:dossier_csv", args=[case.pk]))


@pytest.mark.parametrize(
    "typed, safe",
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1+1", "'  =1+1"),
        ("＝1+1", "'＝1+1"),  # full-width equals sign
        # A ";" locale splits here: the part after the semicolon would be a cell of its own.
        ("called back;=HYPERLINK(1)", "called back;'=HYPERLINK(1)"),
        ("a; +1; b;@x", "a;' +1; b;'@x"),
        ("a;-1", "a;'-1"),
        ("plain text; nothing to run", "plain text; nothing to run"),
        ("", ""),
        (None, ""),
        (12, "12"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_neutralised(typed, safe):
    assert spreadsheet_safe(typed) == safe


def test_the_download_neutralises_formulas_after_a_semicolon(db, reviewer, supervisor):
    case = create_case()
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.ASSIGNMENT, actor=supervisor, reason='reassigned;=HYPERLINK("http://evil")'
    )
    response = download(case, reviewer)
    text = response.getvalue().decode("utf-8-sig")
    assert ";=" not in text and ";'=HYPERLINK" in text
    # Every cell is quoted, so a ";" never ends a cell in a ";"-separated locale either.
    assert text.splitlines()[0].startswith('"section","at (UTC)","borrower local time"')
    rows = list(csv.reader(io.StringIO(text)))
    assert any(row[5] == 'reassigned;\'=HYPERLINK("http://evil")' for row in rows)


def test_the_file_name_survives_quotes_semicolons_and_line_breaks_in_the_loan_number(db, reviewer):
    case = create_case()
    account = case.account
    account.loan_number = 'LN"7; filename=evil.exe\r\nSet-Cookie: x=1'
    account.save()
    response = download(case, reviewer)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="dossier-case-{case.pk}-LN_7_filename_evil.exe_Set-Cookie_x_1.csv"'
    assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') == 2
    assert "x" not in response.cookies


def test_a_chinese_loan_number_is_kept_and_encoded(db, reviewer):
    case = create_case()
    account = case.account
    account.loan_number = "贷款-001"
    account.save()
    disposition = download(case, reviewer)["Content-Disposition"]
    # An ASCII name for every client, the Chinese one (RFC 5987) for those that read it.
    assert disposition == (
        f'attachment; filename="dossier-case-{case.pk}-_-001.csv"; '
        f"filename*=utf-8''dossier-case-{case.pk}-%E8%B4%B7%E6%AC%BE-001.csv"
    )
