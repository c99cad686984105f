"""iCalendar (RFC 5545 / iTIP RFC 5546) files of the parts a participant can follow.

Each part has a UID of its own that never changes for this registration (it names the
part's id, not its place in the programme), and a SEQUENCE that rises with every change
of the event (its revision), so a calendar that received the entry before moves it when
a new file arrives. A cancellation sends the same UIDs with ``METHOD:CANCEL``, so the
entries leave the person's calendar.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

from webapp import clock
from webapp.models import Registration, RegistrationKind
from webapp.templating import translated
from webapp.timefmt import in_zone
from webapp.urls import site_host


def part_uid(registration: Registration, part) -> str:
    """The UID of one part's entry in this participant's calendar."""
    return f"{registration.event.slug}-part{part.id}-r{registration.id}@{site_host()}"


def registration_calendar(registration: Registration, *, cancel: bool = False) -> bytes:
    """One VEVENT per followable part, in the event's timezone (with VTIMEZONE);
    ``cancel``: the same entries, cancelled."""
    return registrations_calendar([registration], cancel=cancel)


def registrations_calendar(registrations: list[Registration], *, cancel: bool = False) -> bytes:
    """The entries of several registrations (a series' events) in one file: each part's
    entry has the same UID as in that registration's own file."""
    from icalendar import Calendar  # only here: it is heavy for the mail worker

    cal = Calendar()
    cal.add("prodid", "-//Webinar Desk//webinar-desk//EN")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "PUBLISH")
    for registration in registrations:
        for part in registration.followable_parts:
            cal.add_component(_entry(registration, part, cancel))
    cal.add_missing_timezones()
    return cal.to_ical()


def _entry(registration: Registration, part, cancel: bool):
    """The VEVENT of one part."""
    from icalendar import Event as VEvent

    event = registration.event
    item = VEvent()
    item.add("uid", part_uid(registration, part))
    item.add("sequence", event.revision or 1)
    item.add("dtstamp", clock.now())
    item.add("dtstart", in_zone(part.starts_at, event.zone))
    item.add("dtend", in_zone(part.ends_at, event.zone))
    on_web = registration.kind is RegistrationKind.WEB
    chosen = next((c.option for c in registration.choices if c.part_id == part.id),
                  None) if part.options else None
    part_title = translated(part, "title")
    title = f"{part_title}: {chosen.name}" if chosen is not None else part_title
    item.add("summary", f"{translated(event, 'title')}: {title}")
    room = f", {chosen.room}" if chosen is not None and chosen.room and not on_web else ""
    item.add("location", _("Streamed on the web") if on_web else f"{part.place or ''}{room}")
    item.add("description", chosen.description if chosen is not None
             else translated(part, "description"))
    item.add("organizer", _organizer(event))
    if cancel:
        item.add("status", "CANCELLED")
    return item


def _organizer(event):
    """The event's contact address (with the contact's name where it is theirs), else
    the address the site's emails come from: every entry names an organizer (RFC 5546
    requires one in a published or cancelled entry)."""
    from email.utils import parseaddr

    from icalendar import vCalAddress

    contact = next((c for c in event.contacts if c.email), None)
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    if event.contact_address:
        address = event.contact_address
        name = contact.name if contact is not None and contact.email == address else ""
    organizer = vCalAddress(f"mailto:{address}")
    if name:
        organizer.params["cn"] = name
    return organizer
