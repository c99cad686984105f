"""The watch page's fast path: the one place where the app goes below its libraries for speed.

Every web participant opens the watch page in the minute the stream starts, and an
open page asks for its state every WATCH_POLL_SECONDS. So a watch request does as
little as it can (measured by bench/run.py; targets: 0.4 of a bare Flask
"hello" on SQLite, 0.2 on PostgreSQL):

1. **The viewer read**: one primary-key query, built once, run on a pooled driver
   connection in the driver's own autocommit. Through SQLAlchemy a read outside a
   transaction switches the isolation level on checkout and back on return, which
   costs more than the query (175 µs against 37 µs on SQLite); a read inside one costs
   a BEGIN and a ROLLBACK on PostgreSQL. tests/test_watch_fastpath.py holds its result
   to the ORM's.
2. **The event cache**: the event with its parts, contacts and materials (never their
   files' bytes, which are a table of their own), loaded once per process
   and kept until its ``revision`` changes (the viewer read joins the revision in).
3. **The page cache**: the page is the same for every participant of an event at a
   given moment but for their token; it is rendered once per event revision, state,
   language and context, with a placeholder where the token goes.

The rules these caches stand on (each is a test in tests/test_watch_fastpath.py that
fails when it is broken):

- Every row that is part of an event as shown (the event, its programme parts, its
  contacts: the models marked ``EventContent``) raises the event's ``revision`` when it
  is added, changed or deleted (``bump_event_revisions`` in models/events.py). A table
  that refers to an event is either ``EventContent`` or listed in
  ``models.NOT_EVENT_CONTENT`` with the reason; the test finds every such table from
  the mappers, so a new one cannot be forgotten.
- A cached page holds no CSRF token (the watch templates have no form and no
  ``data-hx-headers``) and nothing of one participant: each gets their own token.
- The cached event is detached from any session, with only its parts, contacts and
  materials loaded: a template that reaches for anything else fails loudly
  (``DetachedInstanceError``) rather than showing stale data.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import render_template, session
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from webapp.extensions import db
from webapp.models import Event, Registration, RegistrationStatus

_registrations, _events = Registration.__table__, Event.__table__
_VIEWER_QUERY = (
    select(_registrations.c.id, _registrations.c.event_id, _registrations.c.token_version,
           _registrations.c.status, _registrations.c.shared_link_flagged_at.is_not(None),
           _events.c.revision, _events.c.created_at)
    .join(_events, _events.c.id == _registrations.c.event_id)
    .where(_registrations.c.id == bindparam("registration_id"))
)


@dataclass(frozen=True)
class Viewer:
    """What the watch page needs of a registration (read in one primary-key query)."""

    id: int
    event_id: int
    token_version: int
    status: RegistrationStatus
    flagged: bool


@lru_cache(maxsize=8)
def _viewer_sql(dialect) -> tuple[str, tuple[str, ...] | None]:
    """The viewer query as the database driver takes it, compiled once per dialect."""
    compiled = _VIEWER_QUERY.compile(dialect=dialect)
    return compiled.string, (tuple(compiled.positiontup) if compiled.positional else None)


def read_viewer_row(registration_id: int) -> tuple | None:
    """The viewer's row, read on a pooled driver connection outside any transaction;
    the driver's autocommit is set back before the connection returns to the pool."""
    engine = db.engine
    sql, positions = _viewer_sql(engine.dialect)
    params = {"registration_id": registration_id}
    connection = engine.raw_connection()
    try:
        driver = connection.driver_connection
        switch = getattr(driver, "autocommit", None) is False  # psycopg; sqlite3 opens none
        if switch:
            driver.autocommit = True
        try:
            cursor = connection.cursor()
            cursor.execute(sql, tuple(params[name] for name in positions) if positions else params)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if switch:
                driver.autocommit = False
    finally:
        connection.close()
    return row


_event_cache: dict[int, tuple[tuple, Event]] = {}
_page_cache: dict[tuple, str] = {}
_on_clear: list = [_event_cache.clear, _page_cache.clear]


def clear_caches() -> None:
    """Forget every cached event and page (tests, or after bulk changes outside the ORM)."""
    for forget in _on_clear:
        forget()


def also_clear(forget) -> None:
    """Have ``clear_caches`` empty another cache keyed by the event's revision too."""
    _on_clear.append(forget)


def load_for_watch(registration_id: int) -> tuple[Viewer, Event] | None:
    """The viewer (one primary-key query, joined to the event's revision) and the
    event, cached per process until its revision changes."""
    row = read_viewer_row(registration_id)
    if row is None:
        return None
    id_, event_id, token_version, status, flagged, revision, created_at = row
    viewer = Viewer(id_, event_id, token_version, RegistrationStatus(status), bool(flagged))
    version = (revision, created_at)  # as the driver gives them: compared with each other only
    cached = _event_cache.get(event_id)
    if cached is None or cached[0] != version:
        # A session of its own: the cached objects are detached (read-only, shared by
        # requests) and never the ones the request's session works with.
        with Session(db.engine) as own:
            event = own.scalars(
                select(Event).where(Event.id == event_id)
                .options(selectinload(Event.parts), selectinload(Event.contacts),
                         selectinload(Event.materials))
            ).one()
        cached = _event_cache[event_id] = (version, event)
    return viewer, cached[1]


TOKEN_MARK = "WDWATCHTOKENWD"  # where the participant's token goes in a cached page


def render_watch_page(template: str, key: tuple, token: str, **context) -> str:
    """``template`` rendered once per ``key`` (which must hold the event's id, revision
    and creation time and everything else the page depends on but the token), with
    ``token`` filled in. A page that shows flashed messages is never cached."""
    flashing = bool(session.get("_flashes"))
    html = None if flashing else _page_cache.get(key)
    if html is None:
        html = render_template(template, token=TOKEN_MARK, **context)
        if not flashing:
            if len(_page_cache) > 2000:
                _page_cache.clear()
            _page_cache[key] = html
    return html.replace(TOKEN_MARK, token)
