"""The outbox: every email is a row written with the change that causes it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, enum_column
from webapp.models.registrations import Registration
from webapp.models.types import UTCDateTime


class MailKind(enum.Enum):
    """Which email a row is; each has a template pair under templates/email/."""

    CONFIRMATION = "confirmation"
    CONFIRM_EMAIL = "confirm_email"
    STREAM_LINK = "stream_link"
    REMINDER = "reminder"
    RECORDING = "recording"
    CANCELLATION = "cancellation"
    RESEND_LINK = "resend_link"
    EVENT_CANCELLED = "event_cancelled"
    DATA_DELETED = "data_deleted"  # the last email after a person deleted their data
    ACCOUNT = "account"  # to a coordinator (Flask-Security: password reset, notices)
    PROGRAMME_CHANGED = "programme_changed"
    LINKS_REISSUED = "links_reissued"  # a coordinator revoked the old links: the new ones
    CUSTOM = "custom"  # written by a coordinator: subject and text in ``context``
    #: A printed copy of a material ordered from the publications page (to the event's
    #: contact), and its confirmation (to the reader): rendered when queued, like account
    #: mail (``context`` holds ``to``, ``subject``, ``text``, ``html``).
    ORDER = "order"
    # To invited people (no registration: rendered when queued, in the event's language).
    INVITATION = "invitation"
    INVITATION_REMINDER = "invitation_reminder"
    SEAT_REFUSED = "seat_refused"  # a forwarded invitation's reader gets no seat
    # Rendered when queued (``context`` holds the message; see mail/prebuilt.py):
    WAITING_JOINED = "waiting_joined"  # you are on the waiting list, at position N
    WAITING_OFFER = "waiting_offer"  # a place is yours if you accept by ...
    WAITING_ACCEPTED = "waiting_accepted"  # you have the option's seat
    WAITING_LAPSED = "waiting_lapsed"  # the offer ran out; it went to the next person
    WAITING_LEFT = "waiting_left"  # you left the waiting list
    WAITING_MOVED = "waiting_moved"  # a coordinator moved you in line: now number N
    SERIES_CONFIRMATION = "series_confirmation"  # one email for a series' events


class MailStatus(enum.Enum):
    """Lifecycle: queued -> sending -> sent, or back to queued (retry), or failed/skipped."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class OutboxMessage(db.Model):
    """One email to one participant, rendered from templates when it is sent."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_outbox_status_due_at", "status", "due_at"),
        # Coordinators' mail list and the progress of a mailing, per event.
        Index("ix_outbox_event_id_status", "event_id", "status"),
        Index("ix_outbox_event_id_kind_status", "event_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Enqueueing the same key twice keeps one row, e.g. ``stream-link:12:v1``.
    idempotency_key: Mapped[str] = mapped_column(String(200))
    #: Which email.
    kind: Mapped[MailKind] = mapped_column(enum_column(MailKind))
    #: Recipient's registration (and so the event and address); None for account mail.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True
    )
    #: Event, for coordinators' lists without a join; None for account mail.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The coordinator an account email is about (kind ``account``).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: Extra template values (e.g. a reminder's offset in minutes); an account email's
    #: whole rendered message (``to``, ``subject``, ``text``, ``html``), blanked once sent.
    context: Mapped[dict] = mapped_column(JSON, default=dict)
    #: queued, sending, sent, failed or skipped.
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.QUEUED)
    #: Not sent before this instant (retries move it on).
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    #: Delivery attempts so far.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Worker holding the row while "sending", and until when (the lease).
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The SMTP server's last answer on failure, kept for coordinators.
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Message-ID header (stable across retries) and when it went out.
    message_id: Mapped[str | None] = mapped_column(String(250))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: How it went out: "smtp", or "local" (kept in the app, no MAIL_SERVER).
    transport: Mapped[str | None] = mapped_column(String(10))
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    registration: Mapped[Registration | None] = relationship()
    event: Mapped[Event | None] = relationship()


class ScheduleMark(db.Model):
    """A timed job already done for an event (stream links sent out, a reminder, ...)."""

    __tablename__ = "schedule_marks"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: e.g. ``stream-link`` or ``reminder:60``.
    name: Mapped[str] = mapped_column(String(100))
    #: When the job ran.
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
