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


def find_public_event(slug: str) -> Event | None:
    """A published or cancelled event by slug (drafts are not public), or None."""
    return db.session.scalar(
        select(Event)
        .where(Event.slug == slug, Event.status != EventStatus.DRAFT)
        .options(selectinload(Event.parts).selectinload(ProgrammePart.options),
                 selectinload(Event.contacts), selectinload(Event.series))
    )


def get_public_event(slug: str) -> Event:
    """A published or cancelled event by slug, or 404."""
    event = find_public_event(slug)
    if event is None:
        abort(404)
    return event


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
