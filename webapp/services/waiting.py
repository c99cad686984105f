"""Waiting lists for web places, seats on site and each option's seats.

A list is (event, kind, option). When a place frees (``@when_a_place_frees``,
``@when_a_seat_frees``, a limit raised, an offer lapsed or declined) the first in line
are offered the free places: each offer holds its place for WAITING_OFFER_HOURS (never
beyond the list's deadline) and is emailed with a signed link. Taking it goes through
the same race-free services as any sign-up or choice; an offer that runs out lapses by
itself (``run_waiting_lists``, a timed job of the mail worker) and the place moves on.
Every step is an email and an audit-log entry, in the transaction of the change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp import clock
from webapp.extensions import db
from webapp.mail.outbox import notify_registration_confirmed
from webapp.mail.prebuilt import (
    notify_waiting_accepted,
    notify_waiting_joined,
    notify_waiting_lapsed,
    notify_waiting_left,
    notify_waiting_moved,
    notify_waiting_offer,
)
from webapp.models import (
    IN_LINE,
    Event,
    EventStatus,
    PartOption,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WaitingEntry,
    WaitingKind,
    WaitingStatus,
)
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.options import choose_options, seats_left, when_a_seat_frees
from webapp.services.places import lock_event, places_left, when_a_place_frees
from webapp.services.registrations import _reader_language as reader_language
from webapp.services.registrations import register_on_site, register_web_participant


class ListClosed(DomainError):
    """The list's deadline has passed: nothing more is offered from it."""

    status = 403


class OfferGone(DomainError):
    """The offer was taken, left, or ran out."""

    status = 410


def list_deadline(event: Event, kind: WaitingKind) -> datetime:
    """The last second a place of the list can be taken: the registration deadline for
    places, the choices' deadline for an option's seats."""
    return event.choices_deadline if kind is WaitingKind.OPTION else event.registration_closes_at


def _list_open(event: Event, kind: WaitingKind) -> bool:
    now = clock.now()
    return (event.status is EventStatus.PUBLISHED and now < event.starts_at
            and now.replace(microsecond=0) <= list_deadline(event, kind))


def _in_list(event: Event, kind: WaitingKind, option: PartOption | None):
    """A select of the entries of one list."""
    same_option = (WaitingEntry.option_id == option.id if option is not None
                   else WaitingEntry.option_id.is_(None))
    return select(WaitingEntry).where(WaitingEntry.event_id == event.id,
                                      WaitingEntry.kind == kind, same_option)


def join_waiting_list(event: Event, kind: WaitingKind, *, name: str, email: str,
                      organisation: str = "", language: str | None = None,
                      registration: Registration | None = None,
                      option: PartOption | None = None, notify: bool = True) -> WaitingEntry:
    """Put ``email`` at the end of a list (an option's list needs the registration on
    site). Someone already in line keeps their place and gets their link again. A place
    already free is offered at once. ``notify=False``: no email of its own (a series
    sign-up says it in its one email)."""
    if not _list_open(event, kind):
        raise ListClosed(_("The waiting list is closed."))
    lock_event(event)
    entry = db.session.scalar(_in_list(event, kind, option).where(
        WaitingEntry.email == email, WaitingEntry.status.in_(IN_LINE)))
    if entry is not None:
        if notify:
            notify_waiting_joined(entry, again=True)
        return entry
    last = db.session.scalar(select(func.max(WaitingEntry.position)).where(
        WaitingEntry.event_id == event.id))
    entry = WaitingEntry(event=event, kind=kind, option=option, registration=registration,
                         email=email, name=name, organisation=organisation,
                         language=language or reader_language(), position=(last or 0) + 1,
                         status=WaitingStatus.WAITING, created_at=clock.now())
    db.session.add(entry)
    db.session.flush()
    if notify:
        notify_waiting_joined(entry)
    record_action("waiting.join", event=event, target=f"waiting entry {entry.id}",
                  note=_describe(entry))
    offer_free_places(event, kind, option)
    return entry


def _describe(entry: WaitingEntry) -> str:
    """The list, for the audit log (no personal data)."""
    if entry.kind is WaitingKind.OPTION:
        return f"option {entry.option_id}: {entry.option.name}"
    return entry.kind.value


def _free(event: Event, kind: WaitingKind, option: PartOption | None) -> int | None:
    """Places of the list free for the next in line (held ones are not); None: no limit."""
    if kind is WaitingKind.OPTION:
        return seats_left(option)
    return places_left(event, RegistrationKind(kind.value))


def offer_free_places(event: Event, kind: WaitingKind, option: PartOption | None = None) -> int:
    """Offer each free place of one list to the next person waiting; returns how many
    offers were made. Nothing is offered once the list's deadline has passed."""
    if not _list_open(event, kind):
        return 0
    lock_event(event)
    made = 0
    for entry in db.session.scalars(_in_list(event, kind, option).where(
            WaitingEntry.status == WaitingStatus.WAITING).order_by(WaitingEntry.position)).all():
        if _already_placed(entry):
            _close(entry, WaitingStatus.LEFT, "waiting.settle")
            continue
        if _free(event, kind, option) == 0:
            break
        make_offer(entry)
        made += 1
    return made


def _already_placed(entry: WaitingEntry) -> bool:
    """The person got what they wait for another way (signed up, chose the option)."""
    if entry.kind is WaitingKind.OPTION:
        registration = entry.registration
        return (registration is None or not registration.is_active
                or registration.kind is not RegistrationKind.ON_SITE
                or any(c.option_id == entry.option_id for c in registration.choices))
    return db.session.scalar(select(Registration.id).where(
        Registration.event_id == entry.event_id, Registration.email == entry.email,
        Registration.kind == RegistrationKind(entry.kind.value),
        Registration.status == RegistrationStatus.REGISTERED)) is not None


def make_offer(entry: WaitingEntry, *, by_hand: bool = False) -> None:
    """Hold a place for ``entry`` until WAITING_OFFER_HOURS from now (or the list's
    deadline, if sooner) and email the offer."""
    if not _list_open(entry.event, entry.kind):
        raise ListClosed(_("The waiting list is closed."))
    if entry.status is not WaitingStatus.WAITING:
        raise OfferGone(_("Only someone waiting can be offered a place."))
    now = clock.now().replace(microsecond=0)
    hours = timedelta(hours=current_app.config["WAITING_OFFER_HOURS"])
    entry.status, entry.offered_at = WaitingStatus.OFFERED, now
    entry.offer_expires_at = min(now + hours, list_deadline(entry.event, entry.kind))
    db.session.flush()
    notify_waiting_offer(entry)
    record_action("waiting.offer", event=entry.event, target=f"waiting entry {entry.id}",
                  changes={"offer_expires_at": [None, entry.offer_expires_at.isoformat()]},
                  note=_("offered by hand") if by_hand else _describe(entry))


def _close(entry: WaitingEntry, status: WaitingStatus, action: str) -> None:
    """Take ``entry`` out of the line."""
    entry.status, entry.closed_at = status, clock.now()
    db.session.flush()
    record_action(action, event=entry.event, target=f"waiting entry {entry.id}",
                  changes={"status": [None, status.value]}, note=_describe(entry))


def accept_offer(entry: WaitingEntry) -> Registration:
    """Take the offered place, race-free through the services any sign-up or choice
    uses. Raises OfferGone (taken, left or run out), or EventFull / OptionFull when a
    place offered twice (by hand) was taken by the other person first."""
    event = entry.event
    lock_event(event)
    db.session.refresh(entry)  # a lapse or a leave committed meanwhile
    now = clock.now()
    if entry.status is not WaitingStatus.OFFERED or now.replace(microsecond=0) > \
            entry.offer_expires_at:
        raise OfferGone(_("This offer is no longer open."))
    entry.status, entry.closed_at = WaitingStatus.ACCEPTED, now
    db.session.flush()
    registration = _take_place(entry)
    entry.registration = registration
    db.session.flush()
    record_action("waiting.accept", event=event, target=f"waiting entry {entry.id}",
                  changes={"status": ["offered", "accepted"]}, note=_describe(entry))
    return registration


def _take_place(entry: WaitingEntry) -> Registration:
    """The place itself: a web registration, a seat on site, or the option's seat."""
    person = {"name": entry.name, "email": entry.email, "organisation": entry.organisation}
    if entry.kind is WaitingKind.ON_SITE:
        return register_on_site(entry.event, **person, language=entry.language,
                                taking_offer=True)
    if entry.kind is WaitingKind.WEB:
        registration = register_web_participant(entry.event, **person, confirm=False,
                                                taking_offer=True).registration
        if registration.status is RegistrationStatus.PENDING:  # the emailed link proves
            registration.status = RegistrationStatus.REGISTERED  # the address
            registration.email_confirmed_at = clock.now()
        registration.language = registration.language or entry.language
        db.session.flush()
        notify_registration_confirmed(registration, key_suffix=f"waiting-{entry.id}")
        return registration
    registration = entry.registration
    if registration is None or not registration.is_active:
        raise OfferGone(_("This offer is no longer open."))
    choose_options(registration, {entry.option.part_id: entry.option_id},
                   taking_offer_for=entry.option_id)
    notify_waiting_accepted(entry)
    return registration


def leave_waiting_list(entry: WaitingEntry) -> None:
    """The person leaves the list; a place held for them goes to the next in line."""
    if not entry.in_line:
        return
    lock_event(entry.event)
    was_offered = entry.status is WaitingStatus.OFFERED
    _close(entry, WaitingStatus.LEFT, "waiting.leave")
    notify_waiting_left(entry)
    if was_offered:
        offer_free_places(entry.event, entry.kind, entry.option)


def move_in_line(entry: WaitingEntry, offset: int) -> None:
    """A coordinator moves someone waiting one place up (-1) or down (+1)."""
    lock_event(entry.event)
    waiting = db.session.scalars(_in_list(entry.event, entry.kind, entry.option).where(
        WaitingEntry.status == WaitingStatus.WAITING).order_by(WaitingEntry.position)).all()
    if entry not in waiting:
        raise OfferGone(_("Only someone waiting can be moved."))
    index = waiting.index(entry)
    other = index + offset
    if not 0 <= other < len(waiting):
        return
    neighbour = waiting[other]
    entry.position, neighbour.position = neighbour.position, entry.position
    db.session.flush()
    record_action("waiting.move", event=entry.event, target=f"waiting entry {entry.id}",
                  changes={"place": [index + 1, other + 1]}, note=_describe(entry))
    notify_waiting_moved(entry)  # both places in line changed: each is told their own
    notify_waiting_moved(neighbour)


def lapse_offers() -> int:
    """Offers whose time ran out lapse (and are emailed); their places move on."""
    now = clock.now()
    expired = db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.status == WaitingStatus.OFFERED,
        WaitingEntry.offer_expires_at < now.replace(microsecond=0))
        .order_by(WaitingEntry.event_id, WaitingEntry.id)).all()  # locks in id order
    for entry in expired:
        lock_event(entry.event)
        db.session.refresh(entry)
        if entry.status is WaitingStatus.OFFERED:
            _close(entry, WaitingStatus.LAPSED, "waiting.lapse")
            notify_waiting_lapsed(entry)
    return len(expired)


def run_waiting_lists() -> int:
    """The timed job (run by the mail worker every poll): lapse the offers that ran
    out, then offer every free place of every list with people waiting. Returns how
    many offers were made."""
    lapse_offers()
    lists = db.session.execute(select(
        WaitingEntry.event_id, WaitingEntry.kind, WaitingEntry.option_id).where(
        WaitingEntry.status == WaitingStatus.WAITING).distinct()
        .order_by(WaitingEntry.event_id)).all()
    made = 0
    for event_id, kind, option_id in lists:
        event = db.session.get(Event, event_id)
        option = db.session.get(PartOption, option_id) if option_id is not None else None
        made += offer_free_places(event, kind, option)
    return made


@when_a_place_frees
def _place_freed(event: Event, kind: RegistrationKind) -> None:
    """A web place or a seat on site freed: offer it."""
    offer_free_places(event, WaitingKind(kind.value))


@when_a_seat_frees
def _seat_freed(event: Event, option: PartOption) -> None:
    """A seat of an option freed: offer it."""
    offer_free_places(event, WaitingKind.OPTION, option)
