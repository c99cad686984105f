"""The coordinators' dashboard: per event and across events, registrations (web, on
site, places left), emails (queued, sent, failed), viewers live right now, recording
viewers, and sign-ups per day up to the deadline. A fixed number of queries whatever
the number of events or registrations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Integer, cast, distinct, func, select

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    EventStatus,
    ProgrammePart,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    ViewMode,
    ViewTotal,
)
from webapp.services.mail_admin import STATES, mail_counts

#: A live viewer's page asks for its state every 30 s: anyone seen in the current or
#: the previous minute is watching now.
LIVE_WINDOW = timedelta(minutes=2)


@dataclass
class EventSummary:
    """One event's figures."""

    event: Event
    web: int = 0
    on_site: int = 0
    pending: int = 0
    cancelled: int = 0
    mail: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    live_now: int = 0
    recording_viewers: int = 0

    @property
    def places_left(self) -> int | None:
        """Free web places; None without a limit."""
        if self.event.web_capacity is None:
            return None
        return max(self.event.web_capacity - self.web, 0)


def event_summaries(events: list[Event]) -> list[EventSummary]:
    """The figures of ``events``, in four queries."""
    summaries = {e.id: EventSummary(e) for e in events}
    if not summaries:
        return []
    for event_id, kind, status, number in db.session.execute(
            select(Registration.event_id, Registration.kind, Registration.status,
                   func.count(Registration.id))
            .where(Registration.event_id.in_(summaries))
            .group_by(Registration.event_id, Registration.kind, Registration.status)):
        summary = summaries[event_id]
        if status is RegistrationStatus.REGISTERED:
            name = "web" if kind is RegistrationKind.WEB else "on_site"
        else:
            name = status.value
        setattr(summary, name, getattr(summary, name) + number)
    for event_id, states in mail_counts(list(summaries)).items():
        summaries[event_id].mail = states
    for event_id, number in live_viewers(list(summaries)).items():
        summaries[event_id].live_now = number
    for event_id, number in _viewers_by_event(list(summaries), ViewMode.RECORDING).items():
        summaries[event_id].recording_viewers = number
    return list(summaries.values())


def _viewers_by_event(event_ids: list[int], mode: ViewMode, since: datetime | None = None):
    """{event id: people who watched in ``mode`` (since ``since``)}."""
    statement = (select(ProgrammePart.event_id, func.count(distinct(ViewTotal.registration_id)))
                 .join(ProgrammePart, ProgrammePart.id == ViewTotal.part_id)
                 .where(ProgrammePart.event_id.in_(event_ids), ViewTotal.mode == mode)
                 .group_by(ProgrammePart.event_id))
    if since is not None:
        statement = statement.where(ViewTotal.last_minute >= since)
    return dict(db.session.execute(statement).all())


def live_viewers(event_ids: list[int]) -> dict[int, int]:
    """{event id: people watching live right now}."""
    since = clock.now().replace(second=0, microsecond=0) - LIVE_WINDOW + timedelta(minutes=1)
    return _viewers_by_event(event_ids, ViewMode.LIVE, since)


def dashboard_events(visible) -> list[Event]:
    """The events worth a look: published or cancelled, not over for more than 30 days
    (``visible`` is the select of the events the user may manage)."""
    recent = clock.now() - timedelta(days=30)
    return list(db.session.scalars(
        visible.where(Event.status != EventStatus.DRAFT,
                      func.coalesce(Event.recording_available_until, Event.ends_at) >= recent)
        .order_by(Event.starts_at)).all())


def is_on_air(events: list[Event], now: datetime | None = None) -> bool:
    """Is any of ``events`` within an hour of its streaming (so live counts move)?"""
    now = now or clock.now()
    return any(e.starts_at - timedelta(hours=1) <= now <= e.ends_at + timedelta(hours=1)
               for e in events)


def _bucket(seconds: int):
    """The UTC hour (``seconds`` 3600) or quarter hour (900) of a registration, in the
    database's SQL, as a number of such periods since 1970 (an hour as its text on
    SQLite: cutting the stored text costs half of working out the epoch)."""
    created = Registration.created_at
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", created) / seconds), Integer)
    if seconds == 3600:
        return func.substr(created, 1, 13)  # "2021-11-18 08"
    return cast(func.strftime("%s", created), Integer) // seconds


def _period_start(value, seconds: int) -> datetime:
    """The instant a bucket stands for."""
    if isinstance(value, str):
        return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(int(value) * seconds, timezone.utc)


def _bucket_seconds(event: Event) -> int:
    """Hours, unless the event's zone is off UTC by part of an hour (India, Newfoundland):
    then quarter hours, so that each registration falls on its local day."""
    offsets = {event.registration_opens_at.astimezone(event.zone).utcoffset(),
               event.registration_closes_at.astimezone(event.zone).utcoffset()}
    return 3600 if all(o.total_seconds() % 3600 == 0 for o in offsets) else 900


def signups_per_day(event: Event) -> list[tuple[date, int]]:
    """(day in the event's zone, registrations made that day) from the day sign-up
    opened to the deadline's day (or the last day anyone registered); one query."""
    seconds = _bucket_seconds(event)
    bucket = _bucket(seconds).label("bucket")
    per_day: dict[date, int] = {}
    for value, count in db.session.execute(
            select(bucket, func.count()).where(Registration.event_id == event.id)
            .group_by(bucket)):
        day = _period_start(value, seconds).astimezone(event.zone).date()
        per_day[day] = per_day.get(day, 0) + count
    first = event.registration_opens_at.astimezone(event.zone).date()
    last = max(event.registration_closes_at.astimezone(event.zone).date(), *per_day, first)
    return [(first + timedelta(days=n), per_day.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


@dataclass
class Chart:
    """A bar chart drawn by a Jinja template as SVG (no script)."""

    days: list[tuple[date, int]]
    width: int = 720
    height: int = 200
    top: int = field(init=False)

    def __post_init__(self) -> None:
        self.top = max([count for _day, count in self.days] + [1])

    def bars(self):
        """(x, y, width, height, day, count) of each bar, in the SVG's units."""
        step = self.width / max(len(self.days), 1)
        for index, (day, count) in enumerate(self.days):
            height = round(count / self.top * (self.height - 20), 1)
            yield (round(index * step, 1), round(self.height - height, 1),
                   max(round(step * 0.8, 1), 0.5), height, day, count)

    @property
    def total(self) -> int:
        return sum(count for _day, count in self.days)
