"""Invitations, coordinators' side: adding invitees, sending, reminding, revoking, and
recording answers given by phone or mail.

Each function flushes and writes the audit log; the caller's unit of work commits.
Invitations go to people, not registrations: accepting one makes an on-site
registration (invitation_answers.py).
"""

from __future__ import annotations

from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from webapp import clock
from webapp.extensions import db
from webapp.mail.invitations import notify_invitation
from webapp.models import (
    Event,
    EventStatus,
    Invitation,
    InvitationAnswer,
    MailStatus,
    OutboxMessage,
    Registration,
)
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.invitee_import import InviteeLine
from webapp.services.places import lock_event


def invitation_rows(event: Event) -> list[Invitation]:
    """The event's invitations with how their last email fared, in one query."""
    message = joinedload(Invitation.last_message).load_only(
        OutboxMessage.status, OutboxMessage.last_error, OutboxMessage.sent_at,
        OutboxMessage.kind)
    registration = joinedload(Invitation.registration).load_only(Registration.status)
    return list(db.session.scalars(
        select(Invitation).where(Invitation.event_id == event.id)
        .options(message, registration)
        .order_by(func.lower(func.coalesce(func.nullif(Invitation.name, ""), Invitation.email)),
                  Invitation.email)))


def state_counts(invitations: list[Invitation]) -> Counter:
    """How many invitations are in each state, by its value (from the rows loaded)."""
    return Counter(invitation.state.value for invitation in invitations)


def find_invitation(event: Event, invitation_id: int) -> Invitation | None:
    """One of the event's invitations, by id."""
    return db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.event_id == event.id))


# --- adding ----------------------------------------------------------------------


def preview_invitees(event: Event, lines: list[InviteeLine]) -> list[InviteeLine]:
    """Mark each line a duplicate of an earlier line, or of someone already invited."""
    invited = set(db.session.scalars(
        select(Invitation.email).where(Invitation.event_id == event.id)))
    first_line: dict[str, int] = {}
    for line in lines:
        if line.error is not None:
            continue
        if line.email in invited:
            line.duplicate = "invited"
        elif line.email in first_line:
            line.duplicate, line.duplicate_of = "paste", first_line[line.email]
        else:
            first_line[line.email] = line.number
    return lines


def add_invitees(event: Event, lines: list[InviteeLine], *, send: bool) -> list[Invitation]:
    """Invite the valid, new people of ``lines`` (checked again here, under the
    event's lock: two coordinators adding the same list invite each person once)."""
    lock_event(event)
    now = clock.now()
    added = [Invitation(event_id=event.id, email=line.email, name=line.name,
                        organisation=line.organisation, created_at=now)
             for line in preview_invitees(event, lines) if line.valid]
    db.session.add_all(added)
    db.session.flush()
    record_action("invitation.add", event=event, changes={"invited": [None, len(added)]})
    if send and added:
        send_invitations(event, added)
    return added


# --- sending ---------------------------------------------------------------------


def check_sendable(event: Event) -> None:
    """Invitations go out for published events only."""
    if event.status is EventStatus.DRAFT:
        raise DomainError(_("Publish the event before sending invitations: the invitation "
                            "links to its page."))
    if event.status is EventStatus.CANCELLED:
        raise DomainError(_("The event is cancelled: no invitations go out."))


def _send(invitation: Invitation) -> None:
    """Queue the invitation (again); a revoked one comes back with its new link."""
    invitation.revoked_at = None
    invitation.times_sent += 1
    db.session.flush()
    message_id = notify_invitation(invitation)
    if message_id is not None:
        invitation.last_message_id = message_id
    db.session.flush()


def send_invitation(invitation: Invitation) -> None:
    """Send one invitation, or send it again (the same link, unless it was revoked)."""
    check_sendable(invitation.event)
    again = invitation.times_sent > 0
    _send(invitation)
    record_action("invitation.resend" if again else "invitation.send", event=invitation.event,
                  target=f"invitation {invitation.id}")


def send_invitations(event: Event, invitations: list[Invitation] | None = None) -> int:
    """Send every invitation not sent yet (or those given); returns how many."""
    check_sendable(event)
    if invitations is None:
        invitations = [i for i in invitation_rows(event)
                       if i.times_sent == 0 and i.revoked_at is None]
    for invitation in invitations:
        _send(invitation)
    if invitations:
        record_action("invitation.send", event=event,
                      changes={"sent": [None, len(invitations)]})
    return len(invitations)


def remind(event: Event, invitations: list[Invitation]) -> int:
    """A reminder to each of ``invitations`` still waiting for an answer (others are
    left out; at most one reminder an hour each). Returns how many were queued."""
    check_sendable(event)
    reminded = []
    for invitation in invitations:
        if not invitation.awaits_answer:
            continue
        message_id = notify_invitation(invitation, reminder=True)
        if message_id is not None:
            invitation.reminders_sent += 1
            invitation.last_message_id = message_id
            reminded.append(invitation.id)
    db.session.flush()
    if reminded:
        record_action("invitation.remind", event=event,
                      target=", ".join(f"invitation {i}" for i in reminded[:20]),
                      changes={"reminded": [None, len(reminded)]})
    return len(reminded)


def remind_unanswered(event: Event) -> int:
    """Remind everyone who was sent an invitation and has not answered."""
    return remind(event, invitation_rows(event))


def revoke_invitation(invitation: Invitation) -> None:
    """Its links stop working (a new token version); an email not yet sent is not sent.
    A registration made by accepting stays (cancel it from the registrations)."""
    if invitation.revoked_at is not None:
        return
    invitation.token_version += 1
    invitation.revoked_at = clock.now()
    if invitation.last_message_id is not None:
        db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == invitation.last_message_id,
                                        OutboxMessage.status == MailStatus.QUEUED)
            .values(status=MailStatus.SKIPPED, last_error="the invitation was revoked")
            .execution_options(synchronize_session=False))
    db.session.flush()
    record_action("invitation.revoke", event=invitation.event,
                  target=f"invitation {invitation.id}")


def record_answer(invitation: Invitation, answer: InvitationAnswer, note: str, *,
                  by: str) -> None:
    """An answer given by phone or mail, recorded by a coordinator (not bound by the
    RSVP deadline; the seats on site still are)."""
    from webapp.services.invitation_answers import accept_invitation, decline_invitation

    before = invitation.answer.value if invitation.answer else None
    if answer is InvitationAnswer.ACCEPTED:
        accept_invitation(invitation, by=by, note=note)
    else:
        decline_invitation(invitation, message=note, by=by)
    record_action("invitation.answer", event=invitation.event,
                  target=f"invitation {invitation.id}", note=note,
                  changes={"answer": [before, answer.value]})

