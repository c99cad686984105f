"""A series signed up for once: seed 004's five dialogue meetings, one form, one
registration per event underneath, ONE email (with every event in one calendar file),
and a personal series page to leave single events or all of them."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tests.conftest import ROOT, _stamp_now, drain_mail, extract, text_of
from tests.slots import STOCKHOLM, page_csrf
from webapp.calendar import part_uid
from webapp.extensions import db
from webapp.models import (
    MailKind,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    Series,
    WaitingEntry,
)
from webapp.services.event_import import import_event, load_event_file

SLUG = "dialogmoten-prostitution-manniskohandel-2020"


@pytest.fixture
def dialogue(travel):
    """The five meetings, sign-up open (1 September 2020)."""
    travel("2020-09-01 12:00", STOCKHOLM)
    for path in sorted((ROOT / "examples").glob("dialogue-meeting-*.yaml")):
        import_event(load_event_file(path))
    db.session.commit()
    return db.session.scalar(select(Series).where(Series.slug == SLUG))


def sign_up(client, *, events=None, **person):
    """POST the series form as a browser would (all events ticked unless ``events``)."""
    html = client.get(f"/series/{SLUG}").get_data(as_text=True)
    ticked = re.findall(r'name="events" id="events-\d+" value="(\d+)" checked', html)
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html)
    body = {"csrf_token": extract(r'"X-CSRFToken": "([^"]*)"', html),
            "started": started.group(1) if started else _stamp_now(client),
            "name": "Lena Holm", "email": "lena@example.se", "organisation": "Region Skåne",
            "consent": "y", "events": events if events is not None else ticked}
    body.update(person)
    return client.post(f"/series/{SLUG}/register", data=body)


def registrations(email: str = "lena@example.se") -> list[Registration]:
    db.session.expire_all()
    return db.session.scalars(select(Registration).where(Registration.email == email)
                              .order_by(Registration.event_id)).all()


def test_the_series_page_shows_its_events_in_order_and_one_form(client, dialogue):
    html = client.get(f"/series/{SLUG}").get_data(as_text=True)
    page = text_of(html)
    assert "Dialogmöten om arbetet mot prostitution och människohandel" in page
    assert "Jämställdhetsmyndigheten samordnar arbetet" in page
    titles = re.findall(r"Dialogmöte (\d): ", page)
    assert titles[:5] == ["1", "2", "3", "4", "5"]
    assert "Wednesday 16 September 2020, 13:00–15:00 CEST" in page
    assert len(re.findall(r'name="events" id="events-\d+" value="\d+" checked', html)) == 5
    listing = client.get("/").get_data(as_text=True)
    assert f'href="/series/{SLUG}"' in listing


def test_one_sign_up_makes_one_registration_per_event_and_one_email(
        app, smtp, client, dialogue):
    response = sign_up(client)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/series/{SLUG}/check-your-email"
    made = registrations()
    assert [r.event.title.split(":")[0] for r in made] == [f"Dialogmöte {n}" for n in
                                                           range(1, 6)]
    assert {r.status for r in made} == {RegistrationStatus.REGISTERED}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    drain_mail(app)
    [message] = smtp.to("lena@example.se")
    assert message["Subject"] == ("Registered: Dialogmöten om arbetet mot prostitution och "
                                  "människohandel")
    text = message.get_body(preferencelist=("plain",)).get_content()
    for day in ("16 September", "23 September", "1 October", "8 October", "14 October"):
        assert f"{day} 2020, 13:00–15:00 CEST" in text
    [attachment] = list(message.iter_attachments())
    entries = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    made = registrations()
    with app.test_request_context():
        expected = {part_uid(r, part) for r in made for part in r.followable_parts}
    assert {str(e["UID"]) for e in entries} == expected and len(expected) == 5
    series_link = extract(r"http://localhost(/s/\S+)", text)
    page = text_of(client.get(series_link).get_data(as_text=True))
    assert page.count("You are registered.") == 5


def test_a_subset_of_the_events(client, dialogue):
    events = [e.id for e in dialogue.events]
    assert sign_up(client, events=[events[1], events[3]]).status_code == 303
    assert [r.event_id for r in registrations()] == [events[1], events[3]]


def test_nothing_ticked_is_refused_at_the_field(client, dialogue):
    response = sign_up(client, events=[])
    assert response.status_code == 422
    assert "Please choose at least one event." in text_of(response.get_data(as_text=True))
    assert registrations() == []


def test_signing_up_again_looks_the_same_and_registers_nothing_twice(client, dialogue):
    events = [e.id for e in dialogue.events]
    first = sign_up(client, events=events[:2])
    again = sign_up(client, events=events[1:3], name="Someone Else")
    assert (first.status_code, first.headers["Location"]) == \
        (again.status_code, again.headers["Location"])
    made = registrations()
    assert [r.event_id for r in made] == events[:3]
    assert [r.name for r in made[:2]] == ["Lena Holm"] * 2, "a registration is not changed"


def test_a_full_event_of_the_series_puts_the_person_on_its_waiting_list(
        app, smtp, client, dialogue, make_registration):
    third = dialogue.events[2]
    third.web_capacity = 1
    db.session.commit()
    make_registration(third, email="early@example.se")
    assert "full: you join its waiting list" in client.get(f"/series/{SLUG}").get_data(
        as_text=True)
    sign_up(client)
    assert len(registrations()) == 4
    [entry] = db.session.scalars(select(WaitingEntry)).all()
    assert entry.event_id == third.id and entry.email == "lena@example.se"
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind != MailKind.SERIES_CONFIRMATION)) == 0, "one email, not one per event"
    drain_mail(app)
    text = smtp.to("lena@example.se")[0].get_body(preferencelist=("plain",)).get_content()
    waiting_part = text.split("These events are full")[1]
    assert "Dialogmöte 3: Civilsamhällsorganisationer" in waiting_part


def test_signing_up_again_when_a_registered_event_is_full_keeps_the_place(client, dialogue):
    """Someone registered for a meeting that has since filled up is not put in its line."""
    third = dialogue.events[2]
    sign_up(client, events=[third.id])
    third.web_capacity = 1
    db.session.commit()
    sign_up(client)
    assert [r.event_id for r in registrations()] == [e.id for e in dialogue.events]
    assert db.session.scalar(select(func.count(WaitingEntry.id))) == 0


def _series_link(app, smtp, client) -> str:
    sign_up(client)
    drain_mail(app)
    text = smtp.to("lena@example.se")[0].get_body(preferencelist=("plain",)).get_content()
    return extract(r"http://localhost(/s/\S+)", text)


def test_leaving_one_event_of_the_series(app, smtp, client, dialogue):
    link = _series_link(app, smtp, client)
    second = registrations()[1]
    response = client.post(f"{link}/leave/{second.event_id}",
                           data={"csrf_token": page_csrf(client, link)})
    assert response.status_code == 303
    statuses = [r.status.value for r in registrations()]
    assert statuses == ["registered", "cancelled", "registered", "registered", "registered"]
    page = text_of(client.get(link).get_data(as_text=True))
    assert page.count("You are registered.") == 4 and "Not registered." in page
    drain_mail(app)
    cancelled = smtp.to("lena@example.se")[-1]
    assert cancelled["Subject"].startswith("Registration cancelled: Dialogmöte 2")


def test_leaving_the_whole_series(app, smtp, client, dialogue, travel):
    link = _series_link(app, smtp, client)
    travel("2020-09-20 12:00", STOCKHOLM)  # the first meeting is over
    response = client.post(f"{link}/leave", data={"csrf_token": page_csrf(client, link)})
    assert response.status_code == 303
    assert [r.status.value for r in registrations()] == ["registered"] + ["cancelled"] * 4
    assert "You left 4 events of the series." in text_of(
        client.get(response.headers["Location"]).get_data(as_text=True))


def test_a_forged_series_link_opens_nothing(client, dialogue):
    assert client.get("/s/not-a-token").status_code == 404
