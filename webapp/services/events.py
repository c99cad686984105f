"""Finding events for the public pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import clock
from webapp.extensions import db
from webapp.models import Event, EventStatus, ProgrammePart, Series


@dataclass
class ListingEntry:
    """One row of the event list: a single event, or a series with its events."""

    events: list[Event] = field(default_factory=list)
    series: Series | None = None


def find_public_event(slug: str, with_content: bool = True) -> Event | None:
    """A published or cancelled event by slug (drafts are not public), or None;
    ``with_content``: its parts (with their options), contacts, materials and series
    loaded in the same go."""
    query = select(Event).where(Event.slug == slug, Event.status != EventStatus.DRAFT)
    if with_content:
        query = query.options(selectinload(Event.parts).selectinload(ProgrammePart.options),
                              selectinload(Event.contacts), selectinload(Event.materials),
                              selectinload(Event.series))
    return db.session.scalar(query)


def get_public_event(slug: str, with_content: bool = True) -> Event:
    """A published or cancelled event by slug, or 404."""
    event = find_public_event(slug, with_content)
    if event is None:
        abort(404)
    return event


def listing_version() -> tuple:
    """What the event list shows, in one small query: each public event's revision,
    whether it is still upcoming, and its series' title (a series is not part of an
    event's revision). The list is rendered again when this changes."""
    now = clock.now()
    rows = db.session.execute(
        select(Event.id, Event.revision, Event.created_at, Event.ends_at, Series.title)
        .outerjoin(Series, Series.id == Event.series_id)
        .where(Event.status != EventStatus.DRAFT).order_by(Event.id)).all()
    return tuple((id_, revision, created, ends >= now, series)
                 for id_, revision, created, ends, series in rows)


def list_public_events() -> tuple[list[ListingEntry], list[ListingEntry]]:
    """Upcoming and past public events, the events of one series grouped together."""
    now = clock.now()
    events = db.session.scalars(
        select(Event)
        .where(Event.status != EventStatus.DRAFT)
        .order_by(Event.starts_at)
        .options(selectinload(Event.series))
    ).all()
    upcoming = _group([e for e in events if e.ends_at >= now])
    past = _group([e for e in events if e.ends_at < now])
    past.reverse()
    return upcoming, past


def _group(events: list[Event]) -> list[ListingEntry]:
    """Keep order by first event; a series appears once, where its first event is."""
    entries: list[ListingEntry] = []
    by_series: dict[int, ListingEntry] = {}
    for event in events:
        if event.series_id is None:
            entries.append(ListingEntry(events=[event]))
        elif event.series_id in by_series:
            by_series[event.series_id].events.append(event)
        else:
            by_series[event.series_id] = ListingEntry(events=[event], series=event.series)
            entries.append(by_series[event.series_id])
    return entries
