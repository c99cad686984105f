"""The event page and the event list are rendered once per state and filled in per
visitor (webapp/page_cache.py): the rules, and the work per request they remove."""

from __future__ import annotations

import re

from tests.conftest import SignUp, count_queries
from webapp import page_cache
from webapp.extensions import db
from webapp.models import Event, Series

OPEN = "2021-11-10 12:00"


def own_values(html: str) -> str:
    """The page with the visitor's CSRF token and form stamp taken out."""
    token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    html = html.replace(token, "TOKEN")
    return re.sub(r'(name="started" type="hidden" value=")[^"]+', r"\1STAMP", html)


def test_a_page_from_the_cache_is_the_page_flask_renders_for_that_visitor(
        app, reference_event, travel):
    travel(OPEN)
    url = f"/events/{reference_event.slug}"
    app.test_client().get(url)  # kept now
    visitor = app.test_client()
    cached = visitor.get(url).get_data(as_text=True)
    page_cache.clear()
    rendered = visitor.get(url).get_data(as_text=True)
    assert page_cache.TOKEN_MARK not in cached and page_cache.STAMP_MARK not in cached
    assert own_values(cached) == own_values(rendered)
    assert SignUp(visitor, reference_event.slug).post().status_code == 303, \
        "the token and stamp filled in are this visitor's own"


def test_two_visitors_get_their_own_token_and_stamp(app, reference_event, travel):
    travel(OPEN)
    url = f"/events/{reference_event.slug}"
    first = app.test_client().get(url).get_data(as_text=True)
    second = app.test_client().get(url).get_data(as_text=True)
    assert own_values(first) == own_values(second)
    assert first != second


def test_an_edit_of_the_event_or_its_series_reaches_the_pages_at_once(
        client, reference_event, travel):
    travel(OPEN)
    assert "Part I: The overall picture" in client.get(f"/events/{reference_event.slug}").text
    assert "Seminar on best practice" in client.get("/").text
    event = db.session.get(Event, reference_event.id)
    event.parts[0].title = "Part I, renamed"
    event.title = "A new title"
    event.series = Series(slug="nordic", title="Nordic seminars")
    db.session.commit()
    assert "Part I, renamed" in client.get(f"/events/{reference_event.slug}").text
    listing = client.get("/").text
    assert "A new title" in listing and "Nordic seminars" in listing
    db.session.get(Series, event.series_id).title = "Nordic seminars, renamed"
    db.session.commit()
    assert "Nordic seminars, renamed" in client.get("/").text


def test_places_left_and_the_sign_up_window_are_never_stale(client, reference_event, travel):
    event = db.session.get(Event, reference_event.id)
    event.web_capacity = 2
    db.session.commit()
    travel(OPEN)
    assert "2 web places left" in client.get(f"/events/{event.slug}").text
    SignUp(client, event.slug).post(email="one@example.org")
    assert "1 web place left" in client.get(f"/events/{event.slug}").text
    travel("2021-11-17 00:00")
    assert "Registration closed" in client.get(f"/events/{event.slug}").text


def test_the_work_per_request(app, reference_event, travel):
    travel(OPEN)
    client = app.test_client()
    url = f"/events/{reference_event.slug}"
    client.get(url), client.get("/")  # kept
    with count_queries() as page:
        client.get(url)
    with count_queries() as listing:
        client.get("/")
    assert len(page) == 1, page  # the event's row (its parts come from the cache)
    assert len(listing) == 1, listing  # the listed events' revisions
    signup = SignUp(client, reference_event.slug)
    hidden = signup.form_fields()
    with count_queries() as sign_up:
        assert signup.post(hidden=hidden).status_code == 303
    statements = [s.split()[0].upper() for s in sign_up]
    assert statements.count("INSERT") == 2, sign_up  # the registration and its email
    assert len(sign_up) <= 7, sign_up
