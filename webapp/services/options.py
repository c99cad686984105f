"""Choosing the options of a programme's slots (one per slot), and their seats.

On site a choice takes a seat of its option (``seat_limit``; None: no limit); on the
web it says which streamed option is followed and takes no seat. Choosing is
race-free as taking a place is (services/places.py): the event is locked, the seats
counted, then the choice written, in one transaction; a refusal raises before
anything of the request is committed. A seat that frees (a choice changed, a
registration cancelled, a limit raised) is announced to the listeners of
``when_a_seat_frees`` (the options' waiting lists).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    OptionChoice,
    PartOption,
    ProgrammePart,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WaitingEntry,
    WaitingKind,
    WaitingStatus,
)
from webapp.services import DomainError
from webapp.services.places import lock_event
from webapp.timefmt import long_datetime
from webapp.watch_fastpath import also_clear


class OptionFull(DomainError):
    """Every seat of the option is taken (or held for a waiting-list offer)."""

    status = 409

    def __init__(self, option: PartOption):
        super().__init__(_("%(option)s is full: choose another, or join its waiting list.",
                           option=option.name))
        self.option = option


class InvalidChoice(DomainError):
    """Not an option of that slot, or not one this registration may choose."""

    status = 422


class ChoicesClosed(DomainError):
    """The deadline for changing one's choices has passed."""

    status = 403


def choosable(part: ProgrammePart, kind: RegistrationKind) -> list[PartOption]:
    """The options of ``part`` a registration of ``kind`` chooses among: all on site,
    the streamed ones on the web."""
    if kind is RegistrationKind.ON_SITE:
        return list(part.options)
    return [option for option in part.options if option.streamed]


def slots_for(event: Event, kind: RegistrationKind) -> list[ProgrammePart]:
    """The slots in which a registration of ``kind`` has something to choose (an event
    without options is known so without loading its programme)."""
    if not option_limits(event):
        return []
    return [part for part in event.slots if choosable(part, kind)]


def seats_taken(option_ids: Iterable[int]) -> dict[int, int]:
    """Seats taken per option: choices of active registrations on site."""
    rows = db.session.execute(
        select(OptionChoice.option_id, func.count(OptionChoice.id))
        .join(Registration, Registration.id == OptionChoice.registration_id)
        .where(OptionChoice.option_id.in_(list(option_ids)),
               Registration.kind == RegistrationKind.ON_SITE,
               Registration.status == RegistrationStatus.REGISTERED)
        .group_by(OptionChoice.option_id))
    return dict(rows.all())


def seats_held(option_ids: Iterable[int]) -> dict[int, int]:
    """Seats per option held for waiting-list offers that still run."""
    rows = db.session.execute(
        select(WaitingEntry.option_id, func.count(WaitingEntry.id))
        .where(WaitingEntry.option_id.in_(list(option_ids)),
               WaitingEntry.kind == WaitingKind.OPTION,
               WaitingEntry.status == WaitingStatus.OFFERED,
               WaitingEntry.offer_expires_at >= clock.now().replace(microsecond=0))
        .group_by(WaitingEntry.option_id))
    return dict(rows.all())


def seats_left_by_option(event: Event) -> dict[int, int | None]:
    """Free seats of every option of the event (None: no limit), in two queries (none
    for an event without seat limits: the event page asks on every request)."""
    options = option_limits(event)
    limited = [option_id for option_id, limit in options if limit is not None]
    taken, held = (seats_taken(limited), seats_held(limited)) if limited else ({}, {})
    return {option_id: None if limit is None else
            max(limit - taken.get(option_id, 0) - held.get(option_id, 0), 0)
            for option_id, limit in options}


_limits: dict[tuple, tuple] = {}
also_clear(_limits.clear)


def option_limits(event: Event) -> tuple[tuple[int, int | None], ...]:
    """(option id, seat limit) of every option of the event, read once per revision of
    the event (options are its content: a change raises the revision)."""
    key = (event.id, event.revision, event.created_at)
    found = _limits.get(key)
    if found is None:
        found = tuple(db.session.execute(
            select(PartOption.id, PartOption.seat_limit).join(ProgrammePart)
            .where(ProgrammePart.event_id == event.id)
            .order_by(ProgrammePart.position, PartOption.position)).all())
        if len(_limits) > 1000:
            _limits.clear()
        _limits[key] = found
    return found


def seats_left(option: PartOption, *, taking_offer: bool = False) -> int | None:
    """Free seats of one option (None: no limit); held seats are free only to someone
    taking a waiting-list offer."""
    if option.seat_limit is None:
        return None
    held = 0 if taking_offer else seats_held([option.id]).get(option.id, 0)
    return max(option.seat_limit - seats_taken([option.id]).get(option.id, 0) - held, 0)


def check_options_have_seats(event: Event, choices: dict[int, int | None]) -> None:
    """Raise OptionFull for the first option of ``choices`` ({slot id: option id})
    without a seat left on site, before anything is written (a sign-up is refused the
    same way whether or not its address is registered)."""
    options = {o.id: o for part in event.slots for o in part.options}
    for option_id in choices.values():
        option = options.get(option_id)
        if option is not None and seats_left(option) == 0:
            raise OptionFull(option)


def choose_options(registration: Registration, choices: dict[int, int | None], *,
                   taking_offer_for: int | None = None) -> list[PartOption]:
    """Set the registration's option in each slot of ``choices`` ({part id: option id},
    None to choose nothing there), race-free. Raises InvalidChoice, or OptionFull when
    an option on site has no seat left (the caller's transaction then writes nothing).
    ``taking_offer_for``: the option whose waiting-list offer is being taken. Returns
    the options whose seat was given up."""
    if not choices:
        return []
    if registration.status is RegistrationStatus.CANCELLED:
        raise InvalidChoice(_("This registration is cancelled."))
    event = registration.event
    lock_event(event)
    current = {choice.part_id: choice for choice in registration.choices}
    given_up: list[PartOption] = []
    for part_id, option_id in choices.items():
        part, option = _checked(registration, part_id, option_id)
        existing = current.get(part_id)
        if existing is not None and existing.option_id == option_id:
            continue
        if option is not None and registration.kind is RegistrationKind.ON_SITE:
            if seats_left(option, taking_offer=option.id == taking_offer_for) == 0:
                raise OptionFull(option)
        if existing is not None:
            given_up.append(existing.option)
            registration.choices.remove(existing)
            db.session.flush()
        if option is not None:
            registration.choices.append(OptionChoice(part_id=part.id, option_id=option.id,
                                                     chosen_at=clock.now()))
        db.session.flush()
    seats_freed(event, given_up if registration.kind is RegistrationKind.ON_SITE else [])
    return given_up


def _checked(registration: Registration, part_id: int,
             option_id: int | None) -> tuple[ProgrammePart, PartOption | None]:
    """The slot and option named, if the registration may choose them."""
    part = next((p for p in registration.event.slots if p.id == part_id), None)
    if part is None:
        raise InvalidChoice(_("That is not a slot of this event."))
    if option_id is None:
        return part, None
    option = next((o for o in choosable(part, registration.kind) if o.id == option_id), None)
    if option is None:
        raise InvalidChoice(_("Please choose one of the options shown."))
    return part, option


def change_choices(registration: Registration, choices: dict[int, int | None]) -> list:
    """A participant's own change on their personal page: only until the deadline."""
    event = registration.event
    if not event.choices_open(clock.now()):
        raise ChoicesClosed(_("Choices could be changed until %(when)s.",
                              when=long_datetime(event.choices_deadline, event.zone)))
    return choose_options(registration, choices)


def drop_choices(registration: Registration) -> list[PartOption]:
    """Remove every choice of the registration (it is cancelled, or moves on site and
    chooses again); returns the options whose seat it held on site."""
    held = [choice.option for choice in registration.choices]
    was_on_site = registration.kind is RegistrationKind.ON_SITE
    registration.choices.clear()
    return held if was_on_site else []


_listeners: list[Callable[[Event, PartOption], None]] = []


def when_a_seat_frees(listener: Callable[[Event, PartOption], None]):
    """Register ``listener(event, option)``, run in the transaction that frees a seat
    of a limited option."""
    _listeners.append(listener)
    return listener


def seats_freed(event: Event, options: Iterable[PartOption]) -> None:
    """Seats of ``options`` were given up (call after flushing the change)."""
    for option in {o.id: o for o in options if o.seat_limit is not None}.values():
        for listener in _listeners:
            listener(event, option)
