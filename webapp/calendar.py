"""iCalendar (RFC 5545) files of the parts a participant can follow."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp import clock
from webapp.models import Registration, RegistrationKind
from webapp.timefmt import in_zone
from webapp.urls import site_host


def registration_calendar(registration: Registration) -> bytes:
    """One VEVENT per followable part, in the event's timezone (with VTIMEZONE)."""
    from icalendar import Calendar  # only here: it is heavy for the mail worker
    from icalendar import Event as VEvent

    event = registration.event
    cal = Calendar()
    cal.add("prodid", "-//Webinar Desk//webinar-desk//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    host = site_host()
    stamp = clock.now()
    for part in registration.followable_parts:
        item = VEvent()
        item.add("uid", f"{event.slug}-part-{part.position}-{registration.id}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", in_zone(part.starts_at, event.zone))
        item.add("dtend", in_zone(part.ends_at, event.zone))
        item.add("summary", f"{event.title}: {part.title}")
        on_web = registration.kind is RegistrationKind.WEB
        item.add("location", _("Streamed on the web") if on_web else event.venue)
        item.add("description", part.description)
        cal.add_component(item)
    cal.add_missing_timezones()
    return cal.to_ical()
