"""Invitations to attend on site, sent to people (not to registrations), and the seats
asked for by people an invitation was forwarded to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, enum_column
from webapp.models.outbox import MailStatus, OutboxMessage
from webapp.models.registrations import Registration
from webapp.models.types import UTCDateTime


class InvitationAnswer(enum.Enum):
    """What the invitee (or a coordinator, for an answer given by phone) answered."""

    ACCEPTED = "accepted"  # attends on site: an on-site registration
    DECLINED = "declined"
    WEB = "web"  # follows on the web instead: a web registration


class InvitationState(enum.Enum):
    """Where an invitation stands, as coordinators see it (worked out, not stored)."""

    NOT_SENT = "not_sent"
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    OPENED = "opened"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WEB = "web"
    CANCELLED = "cancelled"  # accepted (or chose the web), then cancelled the registration
    REVOKED = "revoked"


#: The outbox states of a message still on its way.
IN_FLIGHT = {MailStatus.QUEUED, MailStatus.SENDING}


class Invitation(db.Model):
    """One person invited to attend one event on site, with a personal link."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event (the unique index on event and email also serves look-ups by event).
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Normalised (lower-case) address; one invitation per address and event.
    email: Mapped[str] = mapped_column(String(254))
    #: Name as given by the coordinators (may be empty: an address pasted alone).
    name: Mapped[str] = mapped_column(String(200), default="")
    #: Organisation as given, may be empty.
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: Bumped to revoke the links sent so far (a new send carries the new version).
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    #: The last email about it (the invitation or a reminder): its outbox row says
    #: whether it is queued, sent or failed (and the server's answer).
    last_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL"))
    #: How many times the invitation itself was sent (resends included), and reminders.
    times_sent: Mapped[int] = mapped_column(Integer, default=0)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    #: When the invitation page was first opened through the link.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The answer, when it came, and who gave it ("" the invitee, else a coordinator's
    #: address: an answer given by phone or mail).
    answer: Mapped[InvitationAnswer | None] = mapped_column(enum_column(InvitationAnswer))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str] = mapped_column(String(254), default="")
    #: The invitee's message with a decline, or the coordinator's note.
    answer_note: Mapped[str] = mapped_column(Text, default="")
    #: The registration the answer made (on site, or on the web).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"))
    #: When a coordinator revoked it (its links no longer open anything).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    event: Mapped[Event] = relationship()
    last_message: Mapped[OutboxMessage | None] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def state(self) -> InvitationState:
        """Revoked, the answer, opened, or how its last email fared."""
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.answer is not None:
            if self.registration_cancelled:
                return InvitationState.CANCELLED
            return InvitationState(self.answer.value)
        if self.opened_at is not None:
            return InvitationState.OPENED
        message = self.last_message
        if message is None:
            return InvitationState.NOT_SENT
        if message.status in IN_FLIGHT:
            return InvitationState.QUEUED
        if message.status is MailStatus.SENT:
            return InvitationState.SENT
        return InvitationState.FAILED

    @property
    def registration_cancelled(self) -> bool:
        """Accepted (or chose the web), and the registration that made was cancelled
        since (from the participant's page, or by coordinators)."""
        return (self.answer in (InvitationAnswer.ACCEPTED, InvitationAnswer.WEB)
                and self.registration is not None and not self.registration.is_active)

    @property
    def in_flight(self) -> bool:
        """Its last email is still on its way (the table polls until it is not)."""
        return self.last_message is not None and self.last_message.status in IN_FLIGHT

    @property
    def awaits_answer(self) -> bool:
        """Sent (or opened), not revoked, no answer yet: the ones reminders go to."""
        return (self.revoked_at is None and self.answer is None and self.times_sent > 0)


class SeatRequestStatus(enum.Enum):
    """A forwarded invitation's reader asked for a seat of their own."""

    PENDING = "pending"
    APPROVED = "approved"  # an invitation to them was created and sent
    REFUSED = "refused"  # they got a polite email


class SeatRequest(db.Model):
    """Someone who received a forwarded invitation asks for their own seat."""

    __tablename__ = "seat_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    #: The invitation whose page it was asked on (the one that was forwarded).
    via_invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"))
    #: Who asks, as they wrote it (the address normalised).
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: Pending, approved or refused, and when a coordinator decided.
    status: Mapped[SeatRequestStatus] = mapped_column(
        enum_column(SeatRequestStatus), default=SeatRequestStatus.PENDING)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The invitation made for them when approved.
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitations.id", ondelete="SET NULL"))
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    via_invitation: Mapped[Invitation | None] = relationship(foreign_keys=[via_invitation_id])
