"""The public /verify/ page under arbitrary input: whatever a stranger sends (any text,
any length, any content type, any method), the page answers without a server error,
writes nothing to the database, and the guess throttle keeps working."""

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
import pytest

from tests.factories import eligible_case
from visits import services as visit_services
from visits.models import FieldVisit

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ANSWERS = {200, 400, 405, 429}  # the page, a malformed request refused by Django, a method not offered, throttled
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")

codes = st.one_of(
    st.text(),  # any unicode (NUL included)
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=1, max_size=30),
    st.text(min_size=1000, max_size=5000),  # very long
    st.sampled_from(
        [
            "",
            " ",
            "%",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\u202e\u200b",
            "😀" * 50,
            "ＡＢＣＤ１２３４",
            "ß" * 20,
            "\x00",
            "a\x00b",
            "../../etc/passwd",
        ]
    ),
)
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
        "text/csv; charset=latin-1",
        "application/octet-stream",
        "",
        "application/x-www-form-urlencoded; charset=utf-16",
        "image/png",
        "multipart/mixed; boundary=",
    ]
)
bodies = st.one_of(st.binary(max_size=4000), st.text(max_size=2000).map(lambda text: text.encode("utf-8", "replace")))


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]


def _answer(call):
    """Run one request in a savepoint; return (status, SQL writes it made)."""
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            response = call()
        transaction.set_rollback(True)
    return response.status_code, _writes(queries.captured_queries)


@pytest.fixture
def fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@FUZZ
@given(code=codes, extra=st.dictionaries(st.text(max_size=20), st.text(max_size=50), max_size=4))
def test_get_with_any_code_never_fails_and_writes_nothing(db, fresh_throttle, code, extra):
    cache.clear()
    client = Client()
    status, writes = _answer(lambda: client.get(reverse("verify"), {**extra, "code": code}))
    assert status in ANSWERS and writes == []


@FUZZ
@given(code=codes)
def test_post_with_any_code_never_fails_and_writes_nothing(db, fresh_throttle, code):
    cache.clear()
    client = Client()
    status, writes = _answer(lambda: client.post(reverse("verify"), {"code": code}))
    assert status in ANSWERS and writes == []


@FUZZ
@given(body=bodies, content_type=content_types, method=st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]))
def test_any_body_and_content_type_never_fails_and_writes_nothing(db, fresh_throttle, body, content_type, method):
    cache.clear()
    client = Client()
    status, writes = _answer(lambda: client.generic(method, reverse("verify"), data=body, content_type=content_type))
    assert status in ANSWERS and writes == []


@FUZZ
@given(code=codes)
def test_odd_headers_and_query_strings_never_fail(db, fresh_throttle, code):
    cache.clear()
    client = Client(
        HTTP_ACCEPT_LANGUAGE=code[:200].encode("ascii", "replace").decode(),
        HTTP_USER_AGENT=code[:500].encode("ascii", "replace").decode(),
    )
    status, writes = _answer(lambda: client.get(f"{reverse('verify')}?code&code=1&%ZZ=&{'x' * 3000}"))
    assert status in ANSWERS and writes == []


def test_the_throttle_holds_after_junk_and_the_right_code_still_works_elsewhere(
    db, fresh_throttle, collector, supervisor, agents
):
    case = eligible_case(collector=collector)
    from tests.clock import window

    start, end = window()
    visit = visit_services.request_visit(
        case,
        by=collector,
        reason="Numbers changed.",
        window_start=start,
        window_end=end,
        address="上海市黄浦区人民路1号",
    )
    junk = ["", "\u202e" * 30, "x" * 5000, "a\x00b", "😀" * 21]
    client = Client()
    for code in junk:  # malformed input is refused by the form and spends no guesses
        assert client.post(reverse("verify"), {"code": code}).status_code == 200
    for guess in range(settings.VERIFY_ATTEMPTS_PER_WINDOW):
        assert client.post(reverse("verify"), {"code": f"WRONG{guess:05d}"}).status_code == 200
    assert client.post(reverse("verify"), {"code": visit.verification_code}).status_code == 429
    assert client.get(reverse("verify"), {"code": "ANYTHING"}).status_code == 429
    # Another address is not affected by this one's guesses.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(reverse("verify"), {"code": visit.verification_code}).status_code == 200
    assert FieldVisit.objects.count() == 1
