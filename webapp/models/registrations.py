"""Registrations of participants to events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, ProgrammePart, enum_column
from webapp.models.types import UTCDateTime

if TYPE_CHECKING:
    from webapp.models.options import OptionChoice


class RegistrationKind(enum.Enum):
    """How the participant takes part."""

    WEB = "web"
    ON_SITE = "on_site"


class RegistrationStatus(enum.Enum):
    """Lifecycle of a registration."""

    PENDING = "pending"  # waiting for the email address to be confirmed
    REGISTERED = "registered"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """One person registered to one event."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("event_id", "email"),
        # Coordinators' table sorted by name or by date, and the sign-ups per day.
        Index("ix_registrations_event_id_name", "event_id", "name"),
        Index("ix_registrations_event_id_created_at", "event_id", "created_at"),
        # The counts at the top of the table, read from the index alone.
        Index("ix_registrations_event_id_status_kind", "event_id", "status", "kind",
              "purged_at", "shared_link_flagged_at"),
        # The links flagged as shared (few among many).
        Index("ix_registrations_event_id_shared_link_flagged_at", "event_id",
              "shared_link_flagged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The event (the unique index on event and email also serves look-ups by event).
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Normalised (lower-case) address; unique per event.
    email: Mapped[str] = mapped_column(String(254))
    #: Name as given.
    name: Mapped[str] = mapped_column(String(200))
    #: Organisation as given, may be empty.
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: Web or on site.
    kind: Mapped[RegistrationKind] = mapped_column(enum_column(RegistrationKind))
    #: Pending (double opt-in), registered or cancelled.
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.REGISTERED
    )
    #: The language the person used when signing up: their emails are written in it.
    language: Mapped[str | None] = mapped_column(String(8))
    #: When the person consented to the processing of their data.
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the address was confirmed through the emailed link (double opt-in only).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped to revoke every link sent so far.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    #: When the personal data was removed (retention time after the recording expired).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the watch link was opened from many networks in a short time.
    shared_link_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the person was marked as arrived at the door (on site).
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    #: The option chosen in each slot of the event.
    choices: Mapped[list[OptionChoice]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def is_active(self) -> bool:
        """Registered and not cancelled."""
        return self.status is RegistrationStatus.REGISTERED

    @property
    def followable_parts(self) -> list[ProgrammePart]:
        """Parts this participant can follow: all on site, the streamed ones on the web."""
        if self.kind is RegistrationKind.ON_SITE:
            return list(self.event.parts)
        return self.event.streamed_parts
