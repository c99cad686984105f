"""A programme as pages show it: parts grouped by day, each naming its venue when it
differs from the one before (the first part's "before" is the event's venue)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from webapp.models import Event, ProgrammePart, Venue


@dataclass
class Entry:
    """One part, and the venue to name beside it (None: where the one before was)."""

    part: ProgrammePart
    venue: Venue | None


@dataclass
class Day:
    """The parts of one day, in programme order."""

    date: date
    #: The first part's start: the day's date in the event's zone, for the date filters.
    starts_at: datetime
    entries: list[Entry] = field(default_factory=list)


def programme_days(parts: list[ProgrammePart], event: Event) -> list[Day]:
    """``parts`` (in programme order) by their day in the event's zone. The venue is
    worked out from ``event``, not from ``part.event``: the watch page's cached event is
    detached and its parts do not reach back."""
    zone, days, before = event.zone, {}, event.place
    local_day = {part: part.starts_at.astimezone(zone).date() for part in parts}
    for part in sorted(parts, key=local_day.__getitem__):  # stable: programme order kept
        day = local_day[part]
        if day not in days:
            days[day] = Day(day, part.starts_at)
        place = part.own_venue or event.place
        days[day].entries.append(Entry(part, place if place != before else None))
        before = place
    return list(days.values())
