"""Coordinators' changes to events: create, edit, publish, cancel, duplicate, delete.

Each function takes the objects and flushes; the caller's unit of work commits.
Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import insert, literal, select

from webapp.extensions import db
from webapp.mail.outbox import notify_event_cancelled
from webapp.models import (
    Contact,
    Event,
    EventStatus,
    MaterialFile,
    PartOption,
    ProgrammePart,
    RegistrationKind,
)
from webapp.services import DomainError
from webapp.services.audit import changes_between, record_action, snapshot
from webapp.services.event_import import assign_event_fields, build_part
from webapp.services.event_materials import copy_materials, sync_materials
from webapp.services.event_spec import EventSpec, check_slug, order_problems, problems_of
from webapp.services.places import place_freed

#: The fields of an event the audit log compares before and after an edit.
EVENT_FIELDS = (
    "slug", "title", "summary", "description", "language", "translations", "contact_email",
    "timezone", "venue", "starts_at",
    "ends_at", "registration_opens_at", "registration_closes_at", "recording_available_until",
    "rsvp_closes_at", "stream_url", "recording_url", "stream_embeddable",
    "require_email_confirmation", "web_capacity", "onsite_capacity", "onsite_signup",
    "choices_close_at", "status",
)


class InvalidEvent(DomainError):
    """The event document breaks a rule; ``problems`` maps field paths to messages."""

    status = 422

    def __init__(self, problems: dict[tuple, str]):
        super().__init__(_("Please check the marked fields."))
        self.problems = problems


def check_event_document(document: dict, *, slug_of: Event | None = None) -> EventSpec:
    """The document as a valid EventSpec (the import's rules), or InvalidEvent naming
    each field; ``slug_of`` is the event being edited (its own slug is not taken)."""
    try:
        spec = EventSpec.model_validate(document)
    except ValidationError as error:
        raise InvalidEvent(dict(problems_of(error))) from None
    problems = dict(order_problems(spec))
    taken = db.session.scalar(select(Event.id).where(Event.slug == spec.slug))
    if taken is not None and (slug_of is None or taken != slug_of.id):
        problems[("slug",)] = _("Another event already has this address.")
    if problems:
        raise InvalidEvent(problems)
    return spec


def create_event(spec: EventSpec) -> Event:
    """A new draft event from ``spec`` (its programme too, if it has one)."""
    event = Event(slug=spec.slug, status=EventStatus.DRAFT)
    assign_event_fields(event, spec)
    event.parts = [build_part(i, p) for i, p in enumerate(spec.programme)]
    sync_materials(event, spec, {})
    db.session.add(event)
    db.session.flush()
    record_action("event.create", event=event, changes=changes_between(
        {}, snapshot(event, EVENT_FIELDS)))
    return event


def update_event(event: Event, spec: EventSpec) -> dict:
    """Change the event's own fields and contacts; returns what changed."""
    before = snapshot(event, EVENT_FIELDS) | {"contacts": _contacts(event)}
    event.slug = spec.slug
    assign_event_fields(event, spec)
    db.session.flush()
    changes = changes_between(before,
                              snapshot(event, EVENT_FIELDS) | {"contacts": _contacts(event)})
    if changes:
        record_action("event.update", event=event, changes=changes)
    for kind, name in ((RegistrationKind.WEB, "web_capacity"),
                       (RegistrationKind.ON_SITE, "onsite_capacity")):
        old, new = changes.get(name, (0, 0))
        if old is not None and (new is None or new > old):
            place_freed(event, kind)  # more places: the waiting list is offered them
    return changes


def _contacts(event: Event) -> list[str]:
    return [", ".join(v for v in (c.name, c.role, c.phone, c.email) if v) for c in event.contacts]


def publish_event(event: Event) -> None:
    """A draft becomes public (and open for sign-up in its window)."""
    if event.status is not EventStatus.DRAFT:
        raise DomainError(_("Only a draft can be published."))
    if not event.parts:
        raise DomainError(_("Add at least one programme part before publishing."))
    event.status = EventStatus.PUBLISHED
    db.session.flush()
    record_action("event.publish", event=event)


def cancel_event(event: Event, message: str = "") -> int:
    """Cancel a published event; everyone registered gets an email (with ``message``).
    Returns how many emails were queued."""
    if event.status is not EventStatus.PUBLISHED:
        raise DomainError(_("Only a published event can be cancelled."))
    event.status = EventStatus.CANCELLED
    db.session.flush()
    queued = notify_event_cancelled(event, message)
    record_action("event.cancel", event=event, note=message,
                  changes={"emails_queued": [None, queued]})
    return queued


def duplicate_event(event: Event, *, slug: str, weeks: int) -> Event:
    """A draft copy of ``event`` (fields, contacts, programme), ``weeks`` later by the
    wall clock of its zone (a series' next meeting, next year's edition)."""
    try:
        check_slug(slug)
    except ValueError as error:
        raise InvalidEvent({("slug",): str(error)}) from None
    if db.session.scalar(select(Event.id).where(Event.slug == slug)) is not None:
        raise InvalidEvent({("slug",): _("Another event already has this address.")})
    move = _mover(ZoneInfo(event.timezone), timedelta(weeks=weeks))
    copy = Event(slug=slug, status=EventStatus.DRAFT, series_id=event.series_id)
    for field in EVENT_FIELDS:
        if field not in {"slug", "status"}:
            value = getattr(event, field)
            setattr(copy, field, move(value) if isinstance(value, datetime) else value)
    copy.media_link_secret = event.media_link_secret
    copy.contacts = [Contact(position=c.position, name=c.name, role=c.role, phone=c.phone,
                             email=c.email) for c in event.contacts]
    copy.parts = [ProgrammePart(
        position=p.position, title=p.title, starts_at=move(p.starts_at), ends_at=move(p.ends_at),
        description=p.description, speakers=list(p.speakers), streamed=p.streamed,
        recording_url=p.recording_url, audience=p.audience,
        translations=dict(p.translations or {}), venue=p.venue, venue_address=p.venue_address,
        venue_city=p.venue_city, venue_map_url=p.venue_map_url,
        options=[_copy_option(o) for o in p.options]) for p in event.parts]
    files = copy_materials(event, copy)
    db.session.add(copy)
    db.session.flush()
    for material, source_id in files:  # the bytes are copied in the database, never loaded
        db.session.execute(insert(MaterialFile).from_select(
            ["material_id", "data"], select(literal(material.id), MaterialFile.data)
            .where(MaterialFile.material_id == source_id)))
    record_action("event.duplicate", event=copy, note=f"from {event.slug}, {weeks} weeks later")
    return copy


def _copy_option(option: PartOption) -> PartOption:
    """A slot's option, copied (its choices stay with the original)."""
    return PartOption(position=option.position, label=option.label, title=option.title,
                      description=option.description, language_note=option.language_note,
                      room=option.room, seat_limit=option.seat_limit, streamed=option.streamed,
                      translations=dict(option.translations or {}))


def _mover(zone: ZoneInfo, shift: timedelta):
    """Move an instant by ``shift`` of wall-clock time in ``zone`` (10:00 stays 10:00
    across a change of daylight saving time)."""
    def move(instant: datetime) -> datetime:
        local = instant.astimezone(zone).replace(tzinfo=None) + shift
        return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return move


def delete_draft(event: Event) -> None:
    """A draft nobody has seen goes, with its programme; published events are cancelled."""
    if event.status is not EventStatus.DRAFT:
        raise DomainError(_("Only a draft can be deleted; cancel a published event instead."))
    record_action("event.delete", event=event)
    db.session.flush()
    db.session.delete(event)
    db.session.flush()
