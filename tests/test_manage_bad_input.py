"""Arbitrary input to the coordinators' workspace (part 2): never a 500, a clear 4xx or
the page, and nothing written by a refused request."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_of
from tests.test_bad_input import SETTINGS, text
from webapp.extensions import db
from webapp.models import AuditEntry, OutboxMessage, Registration

# What a browser can send: surrogates do not survive UTF-8 (the test client refuses them).
sendable = text.map(lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
value = st.one_of(sendable, st.lists(sendable, min_size=2, max_size=3))
FEW = settings(SETTINGS, max_examples=25)


def counts():
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count(m.id)))
                 for m in (Registration, OutboxMessage, AuditEntry))


@pytest.fixture
def workspace(make_event, make_registration, coordinator_client, travel):
    travel("2021-11-10 12:00")
    event = make_event()
    registration = make_registration(event, name="Anna")
    client = coordinator_client(events=[event])
    return event, registration, client, csrf_of(client, f"/manage/events/{event.id}/mail/new")


@FEW
@given(data=st.dictionaries(st.sampled_from(
    ["q", "kind", "status", "watched", "flagged", "sort", "page", "part", "mode", "separator",
     "x"]), sendable, max_size=6))
def test_lists_and_exports_with_arbitrary_queries(workspace, data):
    event, registration, client, _token = workspace
    for path in ("registrations", "registrations.csv", "mail", "attendance", "attendance.csv"):
        response = client.get(f"/manage/events/{event.id}/{path}", query_string=data)
        assert response.status_code in (200, 404), (path, response.status_code)


@FEW
@given(data=st.dictionaries(st.sampled_from(
    ["subject", "text", "kind", "watched", "batch", "ids", "action", "notify", "confirm",
     "preview", "send", "q", "sort", "page"]), value, max_size=8))
def test_forms_with_arbitrary_fields(workspace, data):
    event, registration, client, token = workspace
    base = f"/manage/events/{event.id}"
    person = f"{base}/registrations/{registration.id}"
    for path in (f"{base}/mail/new", f"{base}/registrations/bulk", f"{person}/erase",
                 f"{person}/resend", f"{base}/mail/retry", f"{base}/mail/1/retry"):
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code < 500, (path, response.status_code)
        assert response.status_code in (200, 303, 409, 422, 404), (path, response.status_code)


HUGE = "99999999999999999999"


def test_numbers_past_what_the_database_holds_are_a_404_or_the_first_page(
        workspace, app, make_user):
    """An id or page number too large for an integer column (OverflowError on SQLite,
    out of range on PostgreSQL) is an unknown id, or page 1; never a 500."""
    event, registration, client, _token = workspace
    base = f"/manage/events/{event.id}"
    for path in (f"/manage/events/{HUGE}", f"/manage/events/{2**31}",
                 f"{base}/registrations/{HUGE}", f"{base}/programme/{HUGE}/edit"):
        assert client.get(path).status_code == 404, path
    for path in ("registrations", "mail", "attendance"):
        response = client.get(f"{base}/{path}", query_string={"page": HUGE})
        assert response.status_code == 200, path
    from tests.conftest import sign_in

    admin = app.test_client()
    sign_in(app, admin, make_user("admin@example.org", admin=True))
    for query in ({"page": HUGE}, {"event": HUGE}, {"user": HUGE}):
        assert admin.get("/manage/audit", query_string=query).status_code == 200, query
