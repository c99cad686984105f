"""Signing up and cancelling."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select, text

from webapp import clock, metrics
from webapp.extensions import db
from webapp.mail.outbox import (
    notify_cancellation,
    notify_confirm_email,
    notify_link_resent,
    notify_registration_confirmed,
)
from webapp.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    RegistrationWindow,
)
from webapp.services import DomainError
from webapp.timefmt import long_datetime


class RegistrationClosed(DomainError):
    """Sign-up is not open (not yet, any more, or the event is cancelled)."""

    status = 403


class EventFull(DomainError):
    """All web places are taken."""

    status = 409


@dataclass
class SignUp:
    """The outcome of a web sign-up: a new (or renewed) registration, or the one
    that already held the address (whose personal link was sent again)."""

    registration: Registration
    already_registered: bool = False


def window_message(event: Event, window: RegistrationWindow) -> str:
    """User-facing words for a registration window other than open."""
    if window is RegistrationWindow.NOT_YET_OPEN:
        return _("Registration opens on %(when)s.",
                 when=long_datetime(event.registration_opens_at, event.zone))
    if window is RegistrationWindow.CANCELLED:
        return _("This event has been cancelled.")
    return _("Registration closed on %(when)s.",
             when=long_datetime(event.registration_closes_at, event.zone))


def check_registration_open(event: Event) -> None:
    """Raise RegistrationClosed unless web sign-up is open right now."""
    window = event.registration_window(clock.now())
    if event.status is EventStatus.DRAFT:
        raise RegistrationClosed(_("This event is not open for registration."))
    if window is not RegistrationWindow.OPEN:
        raise RegistrationClosed(window_message(event, window))


def web_places_taken(event: Event) -> int:
    """Active web registrations of the event."""
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.event_id == event.id,
            Registration.kind == RegistrationKind.WEB,
            Registration.status == RegistrationStatus.REGISTERED,
        )
    ) or 0


def web_places_left(event: Event) -> int | None:
    """Free web places, or None when the event has no capacity limit."""
    if event.web_capacity is None:
        return None
    return max(event.web_capacity - web_places_taken(event), 0)


def _lock_event(event: Event) -> None:
    """Serialise sign-ups of one event, so that counting places and adding a row
    happen as one step: a row lock on PostgreSQL; on SQLite a write (a no-op
    UPDATE takes the database's single write lock until the commit)."""
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE events SET id = id WHERE id = :id"), {"id": event.id})
    else:
        db.session.execute(select(Event.id).where(Event.id == event.id).with_for_update())


def register_web_participant(
    event: Event, *, name: str, email: str, organisation: str
) -> SignUp:
    """Register ``email`` as a web participant of ``event``.

    Raises RegistrationClosed or EventFull. An address already registered is not
    registered again: its personal link is sent to it again instead (at most once
    per RESEND_LINK_INTERVAL_MINUTES). A cancelled registration of the same address
    is taken up again, with a new token version so that links to the cancelled one
    stay dead. With double opt-in the registration waits, pending, for its address
    to be confirmed. The confirmation (or confirm-your-address) email is enqueued with it.
    """
    check_registration_open(event)
    _lock_event(event)  # the lock makes the look-up below see every earlier sign-up
    existing = db.session.scalar(
        select(Registration).where(
            Registration.event_id == event.id, Registration.email == email
        )
    )
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        notify_link_resent(existing)
        return SignUp(existing, already_registered=True)
    if web_places_left(event) == 0:
        raise EventFull(_("Sorry, all web places for this event are taken."))
    if existing is not None:
        registration = _renew(existing, name=name, organisation=organisation)
    else:
        registration = Registration(
            event=event, email=email, name=name, organisation=organisation,
            kind=RegistrationKind.WEB, status=_first_status(event), consent_at=clock.now(),
            created_at=clock.now(), language=_reader_language(),
        )
        db.session.add(registration)
        db.session.flush()
    metrics.count_signup()
    if registration.status is RegistrationStatus.PENDING:
        notify_confirm_email(registration)
    else:
        notify_registration_confirmed(registration)
    return SignUp(registration)


def _first_status(event: Event) -> RegistrationStatus:
    """Pending until the address is confirmed (double opt-in), else registered at once."""
    return (RegistrationStatus.PENDING if event.require_email_confirmation
            else RegistrationStatus.REGISTERED)


def _renew(registration: Registration, *, name: str, organisation: str) -> Registration:
    """A cancelled registration taken up again, under a new token version."""
    now = clock.now()
    registration.name, registration.organisation = name, organisation
    registration.kind, registration.status = RegistrationKind.WEB, _first_status(registration.event)
    registration.consent_at, registration.cancelled_at = now, None
    registration.created_at, registration.email_confirmed_at = now, None
    registration.token_version += 1
    registration.language = _reader_language()
    db.session.flush()
    return registration


def _reader_language() -> str | None:
    """The language the person is using the site in (their emails are written in it)."""
    from flask import has_request_context
    from flask_babel import get_locale

    return str(get_locale()) if has_request_context() else None


def confirm_email_address(registration: Registration) -> None:
    """Double opt-in: the address is confirmed, so the registration now counts.

    Raises EventFull when the last web place went to someone else meanwhile.
    """
    if registration.status is not RegistrationStatus.PENDING:
        return
    _lock_event(registration.event)
    if web_places_left(registration.event) == 0:
        raise EventFull(_("Sorry, all web places for this event are taken."))
    registration.status = RegistrationStatus.REGISTERED
    registration.email_confirmed_at = clock.now()
    db.session.flush()
    notify_registration_confirmed(registration)


def cancel_registration(registration: Registration) -> None:
    """Cancel a registration; its links keep working to show the cancellation."""
    if not registration.is_active:
        return
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = clock.now()
    db.session.flush()
    notify_cancellation(registration)
