"""Seats asked for on a forwarded invitation's page: the reader asks for a seat of
their own, and coordinators approve (an invitation to them is created and sent) or
refuse (a polite email).

Asking answers the same whatever the address (invited, registered, asked before or
not): nothing tells the person holding the link who else is expected.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from webapp import clock
from webapp.extensions import db
from webapp.mail.invitations import notify_seat_refused
from webapp.models import Event, Invitation, SeatRequest, SeatRequestStatus
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.invitation_answers import check_answerable
from webapp.services.invitations import check_sendable, send_invitation

#: Pending requests kept per invitation page: more are answered the same and dropped.
MAX_PENDING_PER_INVITATION = 20


def ask_for_seat(invitation: Invitation, *, name: str, email: str, organisation: str) -> None:
    """Keep the request for the coordinators (once per address while it is pending)."""
    check_answerable(invitation)
    pending = db.session.scalars(select(SeatRequest.email).where(
        SeatRequest.event_id == invitation.event_id,
        SeatRequest.status == SeatRequestStatus.PENDING,
        SeatRequest.via_invitation_id == invitation.id)).all()
    if email in pending or len(pending) >= MAX_PENDING_PER_INVITATION:
        return
    db.session.add(SeatRequest(event_id=invitation.event_id, via_invitation_id=invitation.id,
                               name=name, email=email, organisation=organisation,
                               created_at=clock.now()))
    db.session.flush()


def seat_request_rows(event: Event) -> list[SeatRequest]:
    """The event's requests, pending first then newest, with the invitation they came
    through (one query)."""
    pending_first = (SeatRequest.status != SeatRequestStatus.PENDING)
    return list(db.session.scalars(
        select(SeatRequest).where(SeatRequest.event_id == event.id)
        .options(joinedload(SeatRequest.via_invitation).load_only(Invitation.name,
                                                                  Invitation.email))
        .order_by(pending_first, SeatRequest.created_at.desc())))


def find_seat_request(event: Event, request_id: int) -> SeatRequest | None:
    """One of the event's requests, by id."""
    return db.session.scalar(select(SeatRequest).where(
        SeatRequest.id == request_id, SeatRequest.event_id == event.id))


def _decide(request: SeatRequest, status: SeatRequestStatus) -> None:
    if request.status is not SeatRequestStatus.PENDING:
        raise DomainError(_("This request was already answered."))
    request.status, request.decided_at = status, clock.now()


def approve_seat_request(request: SeatRequest, event: Event) -> Invitation:
    """Invite the person who asked (or send again the invitation they already have)."""
    check_sendable(event)
    _decide(request, SeatRequestStatus.APPROVED)
    invitation = db.session.scalar(select(Invitation).where(
        Invitation.event_id == event.id, Invitation.email == request.email))
    if invitation is None:
        invitation = Invitation(event_id=event.id, email=request.email, name=request.name,
                                organisation=request.organisation, created_at=clock.now())
        db.session.add(invitation)
        db.session.flush()
    send_invitation(invitation)
    request.invitation_id = invitation.id
    db.session.flush()
    record_action("seat_request.approve", event=event, target=f"seat request {request.id}",
                  changes={"invitation": [None, invitation.id]})
    return invitation


def refuse_seat_request(request: SeatRequest, event: Event) -> None:
    """A polite email says no, and how to follow on the web."""
    _decide(request, SeatRequestStatus.REFUSED)
    notify_seat_refused(request, event)
    db.session.flush()
    record_action("seat_request.refuse", event=event, target=f"seat request {request.id}")
