"""The participant page behind a signed link: access, cancellation, calendar."""

from __future__ import annotations

import pytest
from icalendar import Calendar
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from tests.conftest import extract, text_of
from webapp.extensions import db
from webapp.models import Registration, RegistrationStatus
from webapp.tokens import make_token, read_token

OPEN = "2021-11-10 12:00"


def registered(signup, travel) -> str:
    """Sign up and return the personal link."""
    travel(OPEN)
    return signup.register()


def test_participant_page_shows_what_can_be_followed_and_when(signup, client, travel):
    link = registered(signup, travel)
    response = client.get(link)
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Anna Virtanen" in page and "anna@example.org" in page
    assert "Thursday 18 November 2021, 10:00–12:45 EET : Part I: The overall picture" in page
    assert "17:10–18:20 EET : Part III: Conclusions" in page
    assert "Not streamed: Part II: Workshops" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_tampered_foreign_and_bare_id_tokens_open_nothing(signup, client, travel, app):
    link = registered(signup, travel)
    token = link.rsplit("/", 1)[1]
    registration = db.session.scalars(select(Registration)).one()
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    foreign = URLSafeSerializer("another-secret", salt="webinar-desk/participant").dumps(
        [registration.id, registration.token_version])
    other_purpose = URLSafeSerializer(app.config["SECRET_KEY"], salt="webinar-desk/other").dumps(
        [registration.id, registration.token_version])
    for bad in (tampered, foreign, other_purpose, str(registration.id), "x" * 5000):
        assert client.get(f"/p/{bad}").status_code == 404
        assert client.get(f"/p/{bad}/calendar.ics").status_code == 404
    assert client.get(link).status_code == 200


def test_new_token_version_revokes_old_links(signup, client, travel):
    link = registered(signup, travel)
    registration = db.session.scalars(select(Registration)).one()
    registration.token_version += 1
    db.session.commit()
    assert client.get(link).status_code == 404
    assert read_token("participant", make_token("participant", registration)) == registration


def test_cancel_asks_first_then_cancels_with_csrf(signup, client, travel):
    link = registered(signup, travel)
    confirm = client.get(link + "/cancel")
    assert "Yes, cancel my registration" in confirm.get_data(as_text=True)
    assert client.post(link + "/cancel").status_code == 400, "no CSRF token"
    assert db.session.scalars(select(Registration)).one().is_active
    csrf = extract(r'name="csrf_token" type="hidden" value="([^"]*)"',
                   confirm.get_data(as_text=True))
    response = client.post(link + "/cancel", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == link
    db.session.expire_all()
    registration = db.session.scalars(select(Registration)).one()
    assert registration.status is RegistrationStatus.CANCELLED
    page = client.get(link).get_data(as_text=True)
    assert "Your registration has been cancelled." in page
    assert "Cancel my registration" not in page
    assert client.get(link + "/calendar.ics").status_code == 410


def test_calendar_holds_the_followable_parts_in_event_time(signup, client, travel):
    link = registered(signup, travel)
    response = client.get(link + "/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert [e["SUMMARY"].split(": ", 1)[1] for e in events] == [
        "Part I: The overall picture", "Part III: Conclusions"]
    start = events[0].decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Helsinki" and start.hour == 10
    assert events[1].decoded("DTEND").strftime("%H:%M %Z") == "18:20 EET"
    assert len(calendar.walk("VTIMEZONE")) == 1
    assert b"TZID=Europe/Helsinki" in response.data


def test_on_site_participant_follows_every_part(reference_event, client, make_registration):
    registration = make_registration(reference_event, kind="on_site", name="Expert")
    calendar = Calendar.from_ical(
        client.get(f"/p/{make_token('participant', registration)}/calendar.ics").data)
    assert len(calendar.walk("VEVENT")) == 3


@pytest.mark.parametrize(("moment", "shown", "not_shown"), [
    ("2021-11-10 12:00", "Your personal link to the stream comes by email on Wednesday 17 "
     "November 2021, 10:00 EET", "Open your watch page"),
    ("2021-11-17 12:00", "Open your watch page", "comes by email"),
    ("2021-11-18 10:30", "Live now: Part I: The overall picture", "comes by email"),
    ("2021-11-18 14:00", "Next on the stream: Part III: Conclusions at 17:10 EET", "Live now"),
    ("2021-11-19 12:00", "The recording is available until Saturday 18 December 2021", "Live"),
    ("2021-12-20 12:00", "its recording was available until Saturday 18 December 2021",
     "Add to calendar"),
])
def test_the_participant_page_follows_the_event(client, reference_event, make_registration,
                                                travel, moment, shown, not_shown):
    registration = make_registration(reference_event)
    travel(moment)
    page = text_of(client.get(f"/p/{make_token('participant', registration)}")
                   .get_data(as_text=True))
    assert shown in page
    assert not_shown not in page
    if "Open your watch page" in shown or "Live now" in shown:
        watch = f"/watch/{make_token('watch', registration)}"
        assert watch in client.get(f"/p/{make_token('participant', registration)}") \
            .get_data(as_text=True), "the same personal watch link as the email's"
    if moment.startswith("2021-12-20"):
        assert "Cancel my registration" not in page


def test_an_on_site_participant_sees_where_and_what(client, reference_event, make_registration,
                                                   travel):
    registration = make_registration(reference_event, kind="on_site")
    travel("2021-11-10 12:00")
    page = text_of(client.get(f"/p/{make_token('participant', registration)}")
                   .get_data(as_text=True))
    assert "You attend on site. Where: Helsinki Congress Paasitorni" in page
    assert "Part II: Workshops" in page.split("What you attend")[1]
    assert "watch page" not in page
