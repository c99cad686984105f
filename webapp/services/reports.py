"""The attendance report: per programme part who watched live and who watched the
recording (first and last minute seen, minutes watched), totals, and the links
flagged as shared. Each list is one query for the rows shown, plus its count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Event, ProgrammePart, Registration, ViewMode, ViewTotal, WatchNetwork
from webapp.services.registration_admin import Page

PAGE_SIZE = 50


@dataclass
class PartTotals:
    """People and minutes of one part, live and from the recording."""

    part: ProgrammePart
    live_people: int = 0
    live_minutes: int = 0
    recording_people: int = 0
    recording_minutes: int = 0


def attendance_totals(event: Event) -> list[PartTotals]:
    """Per part (the streamed ones, and any other someone watched), in one query."""
    totals = {p.id: PartTotals(p) for p in event.parts if p.is_public_stream}
    parts = {p.id: p for p in event.parts}
    for part_id, mode, people, minutes in db.session.execute(
            select(ViewTotal.part_id, ViewTotal.mode, func.count(), func.sum(ViewTotal.minutes))
            .where(ViewTotal.part_id.in_(parts))
            .group_by(ViewTotal.part_id, ViewTotal.mode)):
        entry = totals.setdefault(part_id, PartTotals(parts[part_id]))
        if mode is ViewMode.LIVE:
            entry.live_people, entry.live_minutes = people, minutes or 0
        else:
            entry.recording_people, entry.recording_minutes = people, minutes or 0
    return sorted(totals.values(), key=lambda t: t.part.position)


_VIEWER = (Registration.id, Registration.name, Registration.email, Registration.purged_at,
           ViewTotal.mode, ViewTotal.first_minute.label("first"),
           ViewTotal.last_minute.label("last"), ViewTotal.minutes)


def attendance_page(event: Event, part: ProgrammePart, mode: ViewMode | None,
                    number: int) -> Page:
    """Who watched ``part`` (live, the recording, or both), by name; one page."""
    conditions = [ViewTotal.part_id == part.id]
    if mode is not None:
        conditions.append(ViewTotal.mode == mode)
    total = db.session.scalar(select(func.count(ViewTotal.id)).where(*conditions))
    rows = db.session.execute(
        select(*_VIEWER).join(ViewTotal, ViewTotal.registration_id == Registration.id)
        .where(*conditions).order_by(Registration.name, Registration.id, ViewTotal.mode)
        .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return Page(rows=rows, total=total or 0, number=number, size=PAGE_SIZE)


def attendance_rows(event: Event):
    """Every viewer of every part, for the CSV: (part, name, email, mode, first, last,
    minutes), read in chunks."""
    parts = {p.id: p.title for p in event.parts}
    statement = (select(ViewTotal.part_id, *_VIEWER[1:])
                 .join(ViewTotal, ViewTotal.registration_id == Registration.id)
                 .where(ViewTotal.part_id.in_(parts))
                 .order_by(ViewTotal.part_id, Registration.name, Registration.id, ViewTotal.mode)
                 .execution_options(yield_per=2000))
    for part_id, name, email, purged, mode, first, last, minutes in db.session.execute(statement):
        yield parts[part_id], name, "" if purged else email, mode, first, last, minutes


def flagged_links(event: Event) -> list:
    """Registrations whose link was flagged as shared, with the networks it was opened
    from (counted in the same query)."""
    networks = (select(func.count(WatchNetwork.id))
                .where(WatchNetwork.registration_id == Registration.id)
                .correlate(Registration).scalar_subquery())
    return db.session.execute(
        select(Registration, networks.label("networks"))
        .where(Registration.event_id == event.id,
               Registration.shared_link_flagged_at.is_not(None))
        .order_by(Registration.shared_link_flagged_at.desc()).limit(200)).all()
