"""The views summed up per person and part (``ViewTotal``, read by the coordinators'
reports) stay equal to the attendance rows summed up, whatever the order of views."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Attendance, RegistrationStatus, ViewMode, ViewTotal
from webapp.services.watch import record_view
from webapp.watch_fastpath import Viewer


def summed_attendance() -> set[tuple]:
    return set(db.session.execute(
        select(Attendance.registration_id, Attendance.part_id, Attendance.mode,
               func.min(Attendance.minute), func.max(Attendance.minute), func.count())
        .group_by(Attendance.registration_id, Attendance.part_id, Attendance.mode)).all())


def totals() -> set[tuple]:
    return set(db.session.execute(
        select(ViewTotal.registration_id, ViewTotal.part_id, ViewTotal.mode,
               ViewTotal.first_minute, ViewTotal.last_minute, ViewTotal.minutes)).all())


def test_totals_equal_the_attendance_rows_summed_up(make_event, make_registration, travel):
    event = make_event()
    people = [make_registration(event) for _ in range(4)]
    viewers = [Viewer(p.id, event.id, p.token_version, RegistrationStatus.REGISTERED, True)
               for p in people]
    start = datetime(2021, 11, 18, 8, 0, tzinfo=timezone.utc)
    chance = random.Random(13)
    moments = [start + timedelta(seconds=chance.randrange(0, 3 * 3600)) for _ in range(300)]
    for moment in moments:  # in any order: a late request, the clock of another server
        travel(moment)
        record_view(chance.choice(viewers), chance.choice([event.parts[0], event.parts[2]]),
                    chance.choice([ViewMode.LIVE, ViewMode.RECORDING]),
                    f"192.0.2.{chance.randrange(4)}")
        db.session.commit()
    assert totals() == summed_attendance()
    assert len(totals()) == 16 and sum(t[5] for t in totals()) == db.session.scalar(
        select(func.count(Attendance.id)))
