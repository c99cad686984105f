"""Writing an event back to the documented format (docs/event-format.md).

Importing the export into an empty database gives the same event (tested), so an
event made in the browser can be kept in a file, moved or reviewed.
"""

from __future__ import annotations

import yaml

from webapp.models import Event
from webapp.services.event_materials import material_document, venue_document
from webapp.timefmt import in_zone

_OWN_FIELDS = ("slug", "title", "summary", "description", "language", "timezone", "venue")
_TIMES = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at",
          "recording_available_until", "rsvp_closes_at", "choices_close_at")
_OPTION_TEXTS = ("label", "description", "language_note", "room")
_OPTIONAL = ("stream_url", "recording_url", "media_link_secret", "web_capacity",
             "onsite_capacity")


def _local(instant, zone) -> str | None:
    """Wall-clock time in the event's zone, to the second when it has seconds."""
    if instant is None:
        return None
    local = in_zone(instant, zone)
    return f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"


def event_document(event: Event) -> dict:
    """The event as a document of the import format."""
    zone = event.zone
    document: dict = {field: getattr(event, field) for field in _OWN_FIELDS}
    document.update({field: _local(getattr(event, field), zone) for field in _TIMES})
    document.update({field: getattr(event, field) for field in _OPTIONAL
                     if getattr(event, field) is not None})
    if event.translations:
        document["translations"] = event.translations
    if event.contact_email:
        document["contact_email"] = event.contact_email
    document["stream_embeddable"] = event.stream_embeddable
    document["require_email_confirmation"] = event.require_email_confirmation
    document["onsite_signup"] = event.onsite_signup
    if event.choices_close_at is not None:
        document["choices_close_at"] = _local(event.choices_close_at, zone)
    document["status"] = event.status.value
    if event.series is not None:
        document["series"] = {"slug": event.series.slug, "title": event.series.title}
        if event.series.description:
            document["series"]["description"] = event.series.description
    document["contacts"] = [
        {key: getattr(c, key) for key in ("name", "role", "phone", "email") if getattr(c, key)}
        for c in event.contacts]
    document["programme"] = [_part(part, zone, event) for part in event.parts]
    links = [material_document(m) for m in event.materials if not m.is_file and m.part is None]
    if links:
        document["materials"] = links
    return document


def _part(part, zone, event: Event) -> dict:
    data = {"title": part.title, "starts_at": _local(part.starts_at, zone),
            "ends_at": _local(part.ends_at, zone), "streamed": part.streamed,
            "audience": part.audience.value}
    if part.description:
        data["description"] = part.description
    if part.speakers:
        data["speakers"] = list(part.speakers)
    if part.recording_url:
        data["recording_url"] = part.recording_url
    if part.translations:
        data["translations"] = part.translations
    if part.own_venue is not None:
        data["venue"] = venue_document(part)
    links = [material_document(m) for m in event.materials if not m.is_file and m.part is part]
    if links:
        data["materials"] = links
    if part.options:
        data["options"] = [_option(option) for option in part.options]
    return data


def _option(option) -> dict:
    data = {"title": option.title}
    data.update({key: getattr(option, key) for key in _OPTION_TEXTS if getattr(option, key)})
    if option.seat_limit is not None:
        data["seat_limit"] = option.seat_limit
    data["streamed"] = option.streamed
    if option.translations:
        data["translations"] = option.translations
    return data


def event_yaml(event: Event) -> str:
    """The event as a YAML file (UTF-8 text, fields in the documented order)."""
    header = f"# {event.title}\n# Exported from Webinar Desk; format: docs/event-format.md\n"
    files = sum(1 for m in event.materials if m.is_file)
    if files:
        header += (f"# Not in this file: {files} uploaded material file(s); importing it again "
                   "keeps them.\n")
    return header + yaml.safe_dump(event_document(event), allow_unicode=True, sort_keys=False,
                                   width=100)
