"""Every URL of the site × every role (and anonymous), against one declared table.

Each row names a URL (as ``reverse`` knows it), how it is requested and what each actor
gets back. Objects are real: one case assigned to collector ``C`` with every kind of
record hanging off it, and field agent ``F`` on its visits. ``Cx`` is another collector
and ``Fx`` another field agent: the case is not theirs, so object pages say 404.

Outcomes: ``200``; ``302`` (a redirect somewhere other than the login: the action was
accepted, or the page sends you on); ``login`` (302 to the login page); ``403``; ``404``;
``405`` (wrong method). Every request runs in a savepoint rolled back afterwards, so the
cells are independent of each other.

The table itself is in tests/permission_table.py. ``test_every_url_is_in_the_table`` walks
the URL resolver: a new URL that is not added there fails the suite.
"""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
import pytest

from tests.permission_table import ADMIN, ADMIN_OBJECTS, TABLE
from tests.permission_world import ACTORS, build_world, client_for, key, request


@pytest.mark.parametrize("actor", ACTORS)
def test_every_url_answers_each_role_as_the_table_says(db, actor):
    w = build_world()
    client = client_for(w, actor)
    got = {key(entry): request(client, entry, w) for entry in TABLE}
    want = {key(entry): entry["expected"][actor] for entry in TABLE}
    assert {name: f"got {got[name]}, table says {want[name]}" for name in want if got[name] != want[name]} == {}


# --- the table covers the site -------------------------------------------------------------


def url_names(patterns=None, namespace=None, prefix=""):
    """(name, route) of every URL pattern, walking included resolvers."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace])) or None
            yield from url_names(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, prefix + str(pattern.pattern)


# The collector's old pages, kept as redirects for bookmarks: each leads to a desk page
# (test_the_old_collector_paths_lead_to_the_desk).
OLD_PATHS = ("work/queue/", "work/cases/<int:case_id>/contact/")


def test_every_url_is_in_the_table():
    """A URL added anywhere (an app, a package, an admin's get_urls) must be added here.
    Unnamed patterns may only be the root redirect, the old collector paths and the
    admin's own redirects (object id → change page, catch-all → login or 404), which lead
    to named pages only."""
    in_table = {entry["name"] for entry in TABLE}
    missing = sorted({name for name, _ in url_names() if name and name not in in_table})
    assert missing == [], "add these URLs to the permission matrix"
    unexplained = [
        route
        for name, route in url_names()
        if not name
        and route not in ("", "admin/(?P<url>.*)$", *OLD_PATHS)
        and not (route.startswith("admin/") and route.endswith("/<path:object_id>/"))
    ]
    assert unexplained == [], "name these URLs and add them to the permission matrix"


def test_every_registered_admin_has_all_its_pages_in_the_table():
    registered = {f"{model._meta.app_label}_{model._meta.model_name}" for model in admin.site._registry}
    assert registered == set(ADMIN) == set(ADMIN_OBJECTS)
    for model_key, pages in ADMIN.items():
        assert {"changelist", "add", "change", "delete", "history"} <= set(pages), model_key


def test_table_names_only_real_urls_and_no_cell_twice():
    names = {name for name, _ in url_names()}
    assert {entry["name"] for entry in TABLE} <= names
    keys = [key(entry) for entry in TABLE]
    assert len(keys) == len(set(keys))
    cells = len(TABLE) * len(ACTORS)
    assert cells >= 1000  # the size of the promise: every URL × every role and anonymous


@pytest.mark.parametrize("actor", ["F", "R", "A"])
def test_roles_without_escalation_rights_cannot_move_the_case(db, actor):
    w = build_world()
    client = client_for(w, actor)
    before = type(w.case).objects.get(pk=w.case.pk).state
    client.post(reverse("admin:cases_collectioncase_transition", args=[w.case.pk, "start_reminders"]))
    client.post(
        reverse("admin:cases_collectioncase_change", args=[w.case.pk]), {"_fsm_transition_to": "start_reminders"}
    )
    assert type(w.case).objects.get(pk=w.case.pk).state == before


def test_the_old_collector_paths_lead_to_the_desk(db):
    """Bookmarks of the old queue and contact form land on the desk, which then asks for
    the login and the permissions as its own table rows say."""
    w = build_world()
    client = client_for(w, "C")
    queue = client.get("/work/queue/", {"q": "thomas"})
    assert queue.status_code == 302 and queue["Location"] == reverse("desk:queue") + "?q=thomas"
    contact = client.get(f"/work/cases/{w.case.pk}/contact/")
    assert contact.status_code == 302 and contact["Location"] == reverse("desk:case", args=[w.case.pk])


@pytest.mark.parametrize("actor", ["C", "F"])
def test_collectors_and_field_agents_are_sent_from_the_admin_case_pages_to_the_desk(db, actor):
    """Where the table says 302 for them on the case list and page: to the queue (the
    search carried over) and to that case's desk; a post changes nothing on the way."""
    w = build_world()
    client = client_for(w, actor)
    listing = client.get(reverse("admin:cases_collectioncase_changelist"), {"q": w.account.loan_number})
    assert listing["Location"] == f"{reverse('desk:queue')}?q={w.account.loan_number}"
    page = client.get(reverse("admin:cases_collectioncase_change", args=[w.case.pk]))
    assert page["Location"] == reverse("desk:case", args=[w.case.pk])
    before = type(w.case).objects.get(pk=w.case.pk).state
    posted = client.post(
        reverse("admin:cases_collectioncase_change", args=[w.case.pk]), {"_fsm_transition_to": "start_reminders"}
    )
    assert posted["Location"] == reverse("desk:case", args=[w.case.pk])
    assert type(w.case).objects.get(pk=w.case.pk).state == before
