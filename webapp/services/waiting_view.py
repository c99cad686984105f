"""Reading the waiting lists: a person's position, their entries, and each list of an
event as coordinators see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import (
    IN_LINE,
    Event,
    PartOption,
    Registration,
    WaitingEntry,
    WaitingKind,
    WaitingStatus,
)


def entry_position(entry: WaitingEntry) -> int | None:
    """1 for the first person waiting, and so on; None when not waiting (offered, or
    out of the line)."""
    if entry.status is not WaitingStatus.WAITING:
        return None
    ahead = db.session.scalar(select(func.count(WaitingEntry.id)).where(
        WaitingEntry.event_id == entry.event_id, WaitingEntry.kind == entry.kind,
        WaitingEntry.option_id.is_(None) if entry.option_id is None
        else WaitingEntry.option_id == entry.option_id,
        WaitingEntry.status == WaitingStatus.WAITING,
        WaitingEntry.position < entry.position)) or 0
    return ahead + 1


def entries_of(registration: Registration) -> list[WaitingEntry]:
    """The registration's places in line (its option lists, and a list for seats on
    site it may wait in while registered on the web)."""
    return db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.event_id == registration.event_id,
        or_(WaitingEntry.registration_id == registration.id,
            WaitingEntry.email == registration.email),
        WaitingEntry.status.in_(IN_LINE)).order_by(WaitingEntry.id)).all()


@dataclass
class WaitingList:
    """One list of an event, for coordinators: who is in line, in order, then who left it."""

    kind: WaitingKind
    option: PartOption | None = None
    in_line: list[WaitingEntry] = field(default_factory=list)
    closed: list[WaitingEntry] = field(default_factory=list)

    @property
    def key(self) -> str:
        """An HTML id for the list."""
        return f"list-{self.kind.value}" + (f"-{self.option.id}" if self.option else "")


def lists_of(event: Event) -> list[WaitingList]:
    """Every list of the event that has had someone in it, in one query: web places,
    seats on site, then the options in programme order. Offers come first, then those
    waiting by position; closed entries after, newest first."""
    entries = db.session.scalars(
        select(WaitingEntry).where(WaitingEntry.event_id == event.id)
        .options(selectinload(WaitingEntry.option))
        .order_by(WaitingEntry.position)).all()
    order = [(WaitingKind.WEB, None), (WaitingKind.ON_SITE, None)] + [
        (WaitingKind.OPTION, option) for part in event.slots for option in part.options]
    lists = {(kind, option.id if option else None): WaitingList(kind, option)
             for kind, option in order}
    for entry in entries:
        found = lists.get((entry.kind, entry.option_id))
        if found is None:
            continue
        (found.in_line if entry.in_line else found.closed).append(entry)
    for found in lists.values():
        found.in_line.sort(key=lambda e: (e.status is not WaitingStatus.OFFERED, e.position))
        found.closed.sort(key=lambda e: e.closed_at or e.created_at, reverse=True)
    return [found for found in lists.values() if found.in_line or found.closed]


def waiting_counts(event: Event) -> dict[tuple[WaitingKind, int | None], int]:
    """How many are in line per list (for the event page's and editors' counts)."""
    rows = db.session.execute(
        select(WaitingEntry.kind, WaitingEntry.option_id, func.count(WaitingEntry.id))
        .where(WaitingEntry.event_id == event.id, WaitingEntry.status.in_(IN_LINE))
        .group_by(WaitingEntry.kind, WaitingEntry.option_id)).all()
    return {(kind, option_id): count for kind, option_id, count in rows}
