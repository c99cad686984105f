"""Places of an event (web and on site): how many are taken and left, the lock that
makes taking one race-free, and the hook that runs when one frees.

Every path that takes a place (web sign-up, accepting an invitation, on-site
sign-up, a waiting-list offer taken) first calls ``lock_event``, then counts, then
adds its row, in one transaction: concurrent requests for the last places queue on
the lock, so a capacity is never exceeded. A place offered to someone on a waiting
list is held for them until the offer expires: it is not left for anyone else, but
the person holding the offer may take any place not taken (``taking_offer``), so two
offers for one place (a coordinator's offer by hand) are settled by the lock too.
Every path that frees one (a cancellation, a declined invitation, a coordinator
raising the capacity) calls ``place_freed`` in the same transaction; the waiting lists
listen there.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, text

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WaitingEntry,
    WaitingKind,
    WaitingStatus,
)

_CAPACITY = {RegistrationKind.WEB: "web_capacity", RegistrationKind.ON_SITE: "onsite_capacity"}


def lock_event(event: Event) -> None:
    """Serialise place-taking for one event until the commit: a row lock on
    PostgreSQL; on SQLite a write (a no-op UPDATE takes the database's single
    write lock). It rewrites a column no key refers to: rewriting ``id`` made SQLite
    check every registration of the event against it (8 ms with 100 000), while
    holding the only write lock."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE events SET revision = revision WHERE id = :id"),
                           {"id": event.id})
    else:
        db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def places_taken(event: Event, kind: RegistrationKind) -> int:
    """Active registrations of ``kind`` (web or on site) of the event."""
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id,
            Registration.kind == kind,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    ) or 0


def places_held(event: Event, kind: RegistrationKind) -> int:
    """Places of ``kind`` held for people on its waiting list whose offer runs."""
    return db.session.scalar(
        select(func.count(WaitingEntry.id)).where(
            WaitingEntry.event_id == event.id,
            WaitingEntry.kind == WaitingKind(kind.value),
            WaitingEntry.status == WaitingStatus.OFFERED,
            WaitingEntry.offer_expires_at >= clock.now().replace(microsecond=0),
        )
    ) or 0


def places_left(event: Event, kind: RegistrationKind, *,
                taking_offer: bool = False) -> int | None:
    """Free places of ``kind``, or None when there is no limit. Places held for
    waiting-list offers are not free, except to someone taking an offer."""
    capacity = getattr(event, _CAPACITY[kind])
    if capacity is None:
        return None
    held = 0 if taking_offer else places_held(event, kind)
    return max(capacity - places_taken(event, kind) - held, 0)


_listeners: list[Callable[[Event, RegistrationKind], None]] = []


def when_a_place_frees(listener: Callable[[Event, RegistrationKind], None]):
    """Register ``listener(event, kind)``, run in the transaction that frees a place
    (the waiting lists offer it to the next person)."""
    _listeners.append(listener)
    return listener


def place_freed(event: Event, kind: RegistrationKind) -> None:
    """A place of ``kind`` was freed (call after flushing the change)."""
    for listener in _listeners:
        listener(event, kind)
