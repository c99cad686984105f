"""Invitations, the invited person's side: opening the link, accepting a seat on site,
declining, or following on the web instead, until the RSVP deadline.

The answer is bound to the invited person: accepting registers the invitation's own
address and name, whoever holds the link. Seats on site are taken through
``register_on_site`` (race-free: the event's lock, then the count).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from webapp import clock
from webapp.extensions import db
from webapp.mail.outbox import notify_registration_confirmed
from webapp.models import (
    Event,
    EventStatus,
    Invitation,
    InvitationAnswer,
    PartOption,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WaitingKind,
)
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.options import choose_options
from webapp.services.places import lock_event, place_freed, places_left
from webapp.services.registrations import (
    EventFull,
    cancel_registration,
    confirm_email_address,
    register_on_site,
    register_web_participant,
)
from webapp.services.waiting import join_waiting_list
from webapp.timefmt import long_datetime


class RsvpClosed(DomainError):
    """Answers through the link are closed (the deadline passed, or the event is off)."""

    status = 403


class NoSeatsLeft(EventFull):
    """Every seat on site is taken."""


def rsvp_closes_at(event: Event) -> datetime:
    """The last instant an answer is taken: the event's RSVP deadline, else its start."""
    return event.rsvp_closes_at or event.starts_at


def rsvp_open(event: Event, at: datetime | None = None) -> bool:
    """Answers are taken at ``at`` (now): published, and the deadline's last second
    not past (at 23:59:59.999 the deadline 23:59:59 still holds)."""
    at = at or clock.now()
    return (event.status is EventStatus.PUBLISHED
            and at.replace(microsecond=0) <= rsvp_closes_at(event))


def check_answerable(invitation: Invitation, *, by: str = "") -> None:
    """Raise unless the invitation can be answered now (coordinators, ``by``, are not
    bound by the deadline)."""
    event = invitation.event
    if invitation.revoked_at is not None:
        raise DomainError(_("This invitation was withdrawn."))
    if event.status is EventStatus.CANCELLED:
        raise RsvpClosed(_("This event has been cancelled."))
    if not by and not rsvp_open(event):
        raise RsvpClosed(_("Answers closed on %(when)s. You can still follow the streamed "
                           "parts on the web.", when=long_datetime(rsvp_closes_at(event),
                                                                  event.zone)))


def mark_opened(invitation: Invitation) -> None:
    """The link was opened (a harmless write, done by the page's GET)."""
    if invitation.opened_at is None and invitation.revoked_at is None:
        invitation.opened_at = clock.now()
        db.session.flush()


def accept_invitation(invitation: Invitation, *, name: str = "", by: str = "",
                      note: str = "", choices: dict[int, int | None] | None = None,
                      waits: list[PartOption] = ()) -> Registration:
    """A seat on site for the invited person (``name`` when the invitation has none),
    with an option per slot (``choices``: {slot id: option id}) and the option lists
    ``waits`` joined. Raises NoSeatsLeft when every seat is taken, OptionFull when a
    chosen option is (nothing is then written), RsvpClosed after the deadline."""
    check_answerable(invitation, by=by)
    try:
        registration = register_on_site(
            invitation.event, name=invitation.name or name or invitation.email,
            email=invitation.email, organisation=invitation.organisation)
    except EventFull:
        raise NoSeatsLeft(_("No seats left: please follow on the web instead.")) from None
    choose_options(registration, choices or {})
    for option in waits:
        join_waiting_list(invitation.event, WaitingKind.OPTION, name=registration.name,
                          email=registration.email, organisation=registration.organisation,
                          language=registration.language, registration=registration,
                          option=option)
    _answered(invitation, InvitationAnswer.ACCEPTED, registration, by=by, note=note)
    return registration


def decline_invitation(invitation: Invitation, *, message: str = "", by: str = "") -> None:
    """Not coming: a registration made by an earlier answer is cancelled (its seat frees)."""
    check_answerable(invitation, by=by)
    registration = invitation.registration
    if registration is not None and registration.is_active:
        cancel_registration(registration)
    _answered(invitation, InvitationAnswer.DECLINED, registration, by=by, note=message)


def follow_on_web(invitation: Invitation, *, name: str = "") -> Registration:
    """A web registration instead (with its stream-link email); a seat taken by an
    earlier answer frees. Raises RegistrationClosed or EventFull (web places)."""
    check_answerable(invitation)
    event = invitation.event
    existing = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email == invitation.email))
    if (existing is not None and existing.is_active
            and existing.kind is RegistrationKind.ON_SITE):
        registration = _move_to_web(existing)
    else:
        if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
            registration = existing  # already signed up on the web: kept, full or not
        else:
            registration = register_web_participant(
                event, name=invitation.name or name or invitation.email,
                email=invitation.email, organisation=invitation.organisation).registration
        if registration.status is RegistrationStatus.PENDING:
            confirm_email_address(registration)  # the invitation's link proves the address
    _answered(invitation, InvitationAnswer.WEB, registration)
    return registration


def _move_to_web(registration: Registration) -> Registration:
    """An on-site registration becomes a web one (race-free on the web places)."""
    event = registration.event
    lock_event(event)
    if places_left(event, RegistrationKind.WEB) == 0:
        raise EventFull(_("Sorry, all web places for this event are taken."))
    registration.kind = RegistrationKind.WEB
    db.session.flush()
    place_freed(event, RegistrationKind.ON_SITE)
    notify_registration_confirmed(registration, key_suffix="web")
    return registration


def _answered(invitation: Invitation, answer: InvitationAnswer,
              registration: Registration | None, *, by: str = "", note: str = "") -> None:
    """Record the answer on the invitation (and, when the invitee gave it, in the log)."""
    before = invitation.answer.value if invitation.answer else None
    invitation.answer, invitation.answered_at = answer, clock.now()
    invitation.answered_by, invitation.answer_note = by, note
    invitation.registration_id = registration.id if registration is not None else None
    if invitation.opened_at is None and not by:
        invitation.opened_at = invitation.answered_at
    db.session.flush()
    if not by:
        record_action("invitation.answer", event=invitation.event, user=False,
                      target=f"invitation {invitation.id}", note="through the invitation link",
                      changes={"answer": [before, answer.value]})
