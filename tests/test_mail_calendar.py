"""Calendars follow changes: every .ics names the organiser, keeps one UID per part and
raises its SEQUENCE with each change; cancellations send METHOD:CANCEL. Checked on the
emails as a real SMTP server receives them."""

from __future__ import annotations

from icalendar import Calendar

from tests.conftest import csrf_of, drain_mail, sign_in
from webapp.extensions import db
from webapp.models import Event


def calendar_of(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True)), part.get_param("method")


def entries(calendar) -> dict[str, tuple[int, str]]:
    return {str(e["UID"]): (int(e["SEQUENCE"]), e["DTSTART"].dt.strftime("%H:%M"))
            for e in calendar.walk("VEVENT")}


def test_a_moved_part_moves_the_calendar_entry_and_a_cancellation_removes_it(
        app, smtp, client, make_event, make_registration, make_user, travel):
    event = make_event(contact_email="seminar@example.fi")
    registration = make_registration(event, email="anna@example.org")
    event_id, registration_id = event.id, registration.id
    travel("2021-11-10 12:00")
    from webapp.mail.outbox import notify_registration_confirmed

    notify_registration_confirmed(registration)
    db.session.commit()
    drain_mail(app)
    confirmation, method = calendar_of(smtp.messages[0])
    assert method == "PUBLISH"
    first = entries(confirmation)
    assert all(str(e["ORGANIZER"]) == "mailto:seminar@example.fi"
               for e in confirmation.walk("VEVENT"))

    sign_in(app, client, make_user(events=[db.session.get(Event, event_id)]))
    part = db.session.get(Event, event_id).parts[0]
    url = f"/manage/events/{event_id}/programme/{part.id}"
    prefix = f"part-{part.id}"
    client.post(url, data={
        "csrf_token": csrf_of(client, f"{url}/edit"), f"{prefix}-title": part.title,
        f"{prefix}-starts_at": "10:30", f"{prefix}-ends_at": "12:45",
        f"{prefix}-streamed": "y", f"{prefix}-audience": "everyone", f"{prefix}-notify": "y"})
    drain_mail(app)
    change = smtp.messages[-1]
    assert change["Subject"].startswith("Programme change")
    assert "Before: Thursday 18 November 2021, 10:00–12:45 EET" in change.get_body(
        ("plain",)).get_content()
    moved, method = calendar_of(change)
    assert method == "PUBLISH"
    after = entries(moved)
    assert after.keys() == first.keys(), "the same UIDs: calendars move the entries"
    uid = next(u for u in after if f"part{part.id}-" in u)
    assert after[uid][1] == "10:30" and after[uid][0] > first[uid][0]

    from webapp.models import Registration
    from webapp.services.registrations import cancel_registration

    cancel_registration(db.session.get(Registration, registration_id))
    db.session.commit()
    drain_mail(app)
    cancelled, method = calendar_of(smtp.messages[-1])
    assert method == "CANCEL" and entries(cancelled).keys() == first.keys()


def test_a_cancelled_event_takes_itself_out_of_everyones_calendar(
        app, smtp, client, make_event, make_registration, make_user, travel):
    event = make_event()
    make_registration(event, email="anna@example.org")
    travel("2021-11-10 12:00")
    sign_in(app, client, make_user(events=[event]))
    client.post(f"/manage/events/{event.id}/cancel", data={
        "csrf_token": csrf_of(client, f"/manage/events/{event.id}"),
        "message": "The speaker is ill."})
    drain_mail(app)
    [message] = smtp.messages
    assert message["Subject"].startswith("Cancelled:")
    assert "The speaker is ill." in message.get_body(("plain",)).get_content()
    _calendar, method = calendar_of(message)
    assert method == "CANCEL"


def test_a_password_reset_reaches_the_coordinator_and_its_link_is_not_kept(
        app, smtp, client, make_user):
    from sqlalchemy import select

    from webapp.models import OutboxMessage

    make_user("ilona@example.org")
    client.post("/manage/reset", data={"email": "ilona@example.org",
                                       "csrf_token": csrf_of(client, "/manage/reset")})
    drain_mail(app)
    [message] = smtp.to("ilona@example.org")
    assert "/manage/reset/" in message.get_body(("plain",)).get_content()
    db.session.expire_all()
    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status.value == "sent" and set(row.context) == {"subject", "to"}


def test_each_entry_has_its_parts_venue_the_readers_language_and_an_organizer(
        app, make_event, make_registration):
    """A part held elsewhere is located there; titles come in the language the person
    uses (as the emails do); without any contact address the site's sender organises."""
    import yaml
    from flask_babel import force_locale

    from tests.conftest import REFERENCE
    from webapp.calendar import registration_calendar

    programme = yaml.safe_load(REFERENCE.read_text())["programme"]
    programme[1]["venue"] = {"name": "Polishuset", "city": "Malmö"}
    programme[0]["translations"] = {"sv": {"title": "Del I: Helhetsbilden"}}
    event = make_event(programme=programme, contacts=[],
                       translations={"sv": {"title": "Nordiskt seminarium"}})
    registration = make_registration(event, kind="on_site")
    with app.test_request_context(), force_locale("sv"):
        calendar = Calendar.from_ical(registration_calendar(registration))
    found = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    first = found["Nordiskt seminarium: Del I: Helhetsbilden"]
    assert str(first["LOCATION"]) == event.venue
    [workshops] = [e for title, e in found.items() if "Part II:" in title]
    assert str(workshops["LOCATION"]) == "Polishuset, Malmö"
    sender = app.config["MAIL_DEFAULT_SENDER"].split("<")[-1].rstrip(">")
    assert {str(e["ORGANIZER"]) for e in found.values()} == {f"mailto:{sender}"}
