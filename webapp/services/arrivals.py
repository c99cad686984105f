"""Arrival at the door: on-site participants marked as arrived (and back), and their
attendance of the on-site parts.

Marking is idempotent by design, not by luck: "arrived" sets the arrival only where
none is set (one UPDATE ... WHERE arrived_at IS NULL) and adds one attendance row
per part with ``ON CONFLICT DO NOTHING`` on the attendance's unique key; "not
arrived" clears both. A tap repeated after a lost answer, or two coordinators
tapping the same name, leave the same rows as one tap.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, func, or_, select, update

from webapp import clock
from webapp.extensions import db, insert_or_skip
from webapp.models import (
    Attendance,
    Event,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    ViewMode,
)
from webapp.services.audit import record_action

#: Rows shown at once; the search narrows the rest.
LIST_LIMIT = 300


def _expected(event: Event):
    """The event's active on-site registrations (those expected at the door)."""
    return and_(Registration.event_id == event.id,
                Registration.kind == RegistrationKind.ON_SITE,
                Registration.status == RegistrationStatus.REGISTERED)


def arrival_list(event: Event, search: str = "") -> list[Registration]:
    """Expected people whose name, organisation or address holds ``search``, by name
    (one query)."""
    query = select(Registration).where(_expected(event))
    words = search.strip().lower().split()[:5]
    for word in words:
        pattern = f"%{word.replace('%', '').replace('_', '')}%"
        query = query.where(or_(func.lower(Registration.name).like(pattern),
                                func.lower(Registration.organisation).like(pattern),
                                Registration.email.like(pattern)))
    return list(db.session.scalars(
        query.order_by(func.lower(Registration.name), Registration.id).limit(LIST_LIMIT)))


def arrival_counts(event: Event) -> tuple[int, int]:
    """(arrived, expected), in one query."""
    arrived, expected = db.session.execute(
        select(func.count(Registration.arrived_at), func.count(Registration.id))
        .where(_expected(event))).one()
    return arrived or 0, expected or 0


def expected_registration(event: Event, registration_id: int) -> Registration | None:
    """One of the people expected at the door, by id."""
    return db.session.scalar(select(Registration).where(
        _expected(event), Registration.id == registration_id))


def mark_arrived(registration: Registration) -> bool:
    """Arrived, with attendance of each part the person attends; True if it was news."""
    now = clock.now()
    changed = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.arrived_at.is_(None))
        .values(arrived_at=now).execution_options(synchronize_session=False)).rowcount
    rows = [{"registration_id": registration.id, "part_id": part.id, "mode": ViewMode.ON_SITE,
             "minute": part.starts_at.replace(second=0, microsecond=0)}
            for part in registration.followable_parts]
    if rows:
        db.session.execute(insert_or_skip(Attendance).values(rows).on_conflict_do_nothing(
            index_elements=["registration_id", "part_id", "mode", "minute"]))
    db.session.refresh(registration, ["arrived_at"])
    if changed:
        record_action("arrival.mark", event=registration.event,
                      target=f"registration {registration.id}")
    return bool(changed)


def unmark_arrived(registration: Registration) -> bool:
    """Not arrived after all (a wrong tap): the arrival and its attendance go."""
    changed = db.session.execute(
        update(Registration).where(Registration.id == registration.id,
                                   Registration.arrived_at.is_not(None))
        .values(arrived_at=None).execution_options(synchronize_session=False)).rowcount
    db.session.execute(delete(Attendance).where(
        Attendance.registration_id == registration.id, Attendance.mode == ViewMode.ON_SITE))
    db.session.refresh(registration, ["arrived_at"])
    if changed:
        record_action("arrival.undo", event=registration.event,
                      target=f"registration {registration.id}")
    return bool(changed)
