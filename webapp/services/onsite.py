"""Signing up on site from the public page, with the choice of the slots' options."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.mail.outbox import notify_link_resent
from webapp.models import Event, PartOption, Registration, RegistrationStatus, WaitingKind
from webapp.services.options import check_options_have_seats, choose_options
from webapp.services.places import lock_event
from webapp.services.registrations import (
    RegistrationClosed,
    SignUp,
    _reader_language,
    check_registration_open,
    check_seat_left,
    register_on_site,
)
from webapp.services.waiting import join_waiting_list


def check_onsite_open(event: Event) -> None:
    """Raise RegistrationClosed unless the public may sign up on site right now (the
    same window as the web sign-up)."""
    if not event.onsite_signup:
        raise RegistrationClosed(_("This event has no sign-up on site."))
    check_registration_open(event)


def sign_up_on_site(event: Event, *, name: str, email: str, organisation: str,
                    choices: dict[int, int | None], waits: list[PartOption]) -> SignUp:
    """A seat on site and the chosen options, in one transaction (EventFull or
    OptionFull leave nothing written). An address already registered, on the web or on
    site, changes nothing: its personal link is sent again (it changes its choices,
    or moves on site, from its own page), and the answer is the same."""
    check_onsite_open(event)
    lock_event(event)
    # No seat, or a chosen option full: the same refusal for every address.
    check_seat_left(event)
    check_options_have_seats(event, choices)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == email,
        Registration.status != RegistrationStatus.CANCELLED))
    if existing is not None:
        notify_link_resent(existing)
        return SignUp(existing, already_registered=True)
    registration = register_on_site(event, name=name, email=email, organisation=organisation,
                                    language=_reader_language())
    choose_options(registration, choices)
    for option in waits:
        join_waiting_list(event, WaitingKind.OPTION, name=name, email=email,
                          organisation=organisation, language=registration.language,
                          registration=registration, option=option)
    return SignUp(registration)


def join_list_for_place(event: Event, kind: WaitingKind, *, name: str, email: str,
                        organisation: str) -> None:
    """Join the waiting list for a web place or a seat on site, from a sign-up form
    shown as full. The answer is the same whether or not the address is registered or
    already waiting (an email says which)."""
    if kind is WaitingKind.ON_SITE:
        check_onsite_open(event)
    else:
        check_registration_open(event)
    lock_event(event)
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == email,
        Registration.status != RegistrationStatus.CANCELLED))
    if existing is not None and existing.kind.value == kind.value:
        notify_link_resent(existing)  # already has what they wait for
        return
    join_waiting_list(event, kind, name=name, email=email, organisation=organisation,
                      registration=existing)
