"""Signing up and cancelling."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp import clock, metrics
from webapp.extensions import db
from webapp.mail.outbox import (
    notify_cancellation,
    notify_confirm_email,
    notify_link_resent,
    notify_registration_confirmed,
    notify_stream_link,
    stream_link_is_due,
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
from webapp.services.options import drop_choices, seats_freed
from webapp.services.places import lock_event, place_freed, places_left
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


def web_places_left(event: Event, *, taking_offer: bool = False) -> int | None:
    """Free web places, or None when the event has no capacity limit."""
    return places_left(event, RegistrationKind.WEB, taking_offer=taking_offer)


def register_web_participant(
    event: Event, *, name: str, email: str, organisation: str, confirm: bool = True,
    taking_offer: bool = False,
) -> SignUp:
    """Register ``email`` as a web participant of ``event``.

    Raises RegistrationClosed or EventFull. An address already registered is not
    registered again: its personal link is sent to it again instead (at most once
    per RESEND_LINK_INTERVAL_MINUTES). A cancelled registration of the same address
    is taken up again, with a new token version so that links to the cancelled one
    stay dead. With double opt-in the registration waits, pending, for its address
    to be confirmed. The confirmation (or confirm-your-address) email is enqueued with it.

    ``confirm=False``: no email of its own (a series sign-up sends one for all its
    events; the stream link still comes if it is due). ``taking_offer``: the person
    takes a place offered from the waiting list (held places count as free for them).
    """
    check_registration_open(event)
    if event.web_capacity is not None:
        lock_event(event)  # counting the places and adding the row: one step
    # Full is full for every address, registered or not: the answer must not tell.
    if web_places_left(event, taking_offer=taking_offer) == 0:
        raise EventFull(_("Sorry, all web places for this event are taken."))
    existing = _registration_of(event, email)
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        if confirm:
            notify_link_resent(existing)
        return SignUp(existing, already_registered=True)
    if existing is not None:
        registration = _renew(existing, name=name, organisation=organisation)
    else:
        registration = _new_registration(event, email, name, organisation)
        if registration is None:  # the same address, a moment earlier, from elsewhere
            return register_web_participant(event, name=name, email=email,
                                             organisation=organisation)
    metrics.count_signup()
    if not confirm:
        if registration.is_active and stream_link_is_due(event):
            notify_stream_link(registration)
    elif registration.status is RegistrationStatus.PENDING:
        notify_confirm_email(registration)
    else:
        notify_registration_confirmed(registration)
    return SignUp(registration)


def _registration_of(event: Event, email: str) -> Registration | None:
    return db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == email))


def _new_registration(event: Event, email: str, name: str,
                      organisation: str) -> Registration | None:
    """A new web registration, or None when the address is registered by a concurrent
    sign-up (without a capacity to protect, sign-ups take no lock: the unique index on
    event and address keeps one row per address)."""
    registration = Registration(
        event=event, email=email, name=name, organisation=organisation,
        kind=RegistrationKind.WEB, status=_first_status(event), consent_at=clock.now(),
        created_at=clock.now(), language=_reader_language(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except IntegrityError:
        return None
    return registration


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
    lock_event(registration.event)
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
    freed = drop_choices(registration)  # a cancelled registration holds no seat
    db.session.flush()
    notify_cancellation(registration)
    place_freed(registration.event, registration.kind)
    seats_freed(registration.event, freed)


def check_seat_left(event: Event, *, taking_offer: bool = False) -> None:
    """Raise EventFull when no seat on site is left (held seats are free only to
    someone taking a waiting-list offer)."""
    if places_left(event, RegistrationKind.ON_SITE, taking_offer=taking_offer) == 0:
        raise EventFull(_("Sorry, all seats on site are taken."))


def register_on_site(event: Event, *, name: str, email: str, organisation: str = "",
                     language: str | None = None, taking_offer: bool = False) -> Registration:
    """A seat on site for ``email`` (accepting an invitation, on-site sign-up, a
    waiting-list offer taken). Race-free: raises EventFull when no seat is left. A web
    registration of the same address moves on site (its web place frees, and its
    choices among the streamed options go: on site it chooses again, among all); a
    cancelled one is taken up again under a new token version. Sends the confirmation
    (with the calendar of every part). The slots' options are chosen afterwards, in
    the same transaction: ``services.options.choose_options``."""
    lock_event(event)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == email))
    if (existing is not None and existing.is_active
            and existing.kind is RegistrationKind.ON_SITE):
        return existing
    check_seat_left(event, taking_offer=taking_offer)
    was_web = existing is not None and existing.is_active
    registration = existing or Registration(event=event, email=email, created_at=clock.now())
    if existing is not None and not was_web:
        registration.token_version += 1
    registration.name, registration.organisation = name, organisation
    registration.kind, registration.status = RegistrationKind.ON_SITE, RegistrationStatus.REGISTERED
    registration.consent_at, registration.cancelled_at = clock.now(), None
    registration.language = language or registration.language or _reader_language()
    db.session.add(registration)
    if was_web:
        drop_choices(registration)
    db.session.flush()
    if was_web:
        place_freed(event, RegistrationKind.WEB)
    notify_registration_confirmed(registration, key_suffix="on-site")
    return registration
