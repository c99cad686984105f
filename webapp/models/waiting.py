"""Waiting lists: for web places, seats on site, and each option with a seat limit."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, enum_column
from webapp.models.options import PartOption
from webapp.models.registrations import Registration
from webapp.models.types import UTCDateTime


class WaitingKind(enum.Enum):
    """What a waiting list is for."""

    WEB = "web"  # a web place
    ON_SITE = "on_site"  # a seat on site
    OPTION = "option"  # a seat in one option of a slot (the person is registered on site)


class WaitingStatus(enum.Enum):
    """Lifecycle of a place in line: waiting -> offered -> accepted, or lapsed; or left."""

    WAITING = "waiting"
    OFFERED = "offered"  # a place is held for the person until offer_expires_at
    ACCEPTED = "accepted"
    LAPSED = "lapsed"  # the offer ran out unanswered
    LEFT = "left"  # the person left the list (or took a place another way)


#: Statuses of people still in line.
IN_LINE = (WaitingStatus.WAITING, WaitingStatus.OFFERED)


class WaitingEntry(db.Model):
    """One person in one waiting list of an event."""

    __tablename__ = "waiting_entries"
    __table_args__ = (Index("ix_waiting_entries_list", "event_id", "kind", "option_id",
                            "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Web places, seats on site, or one option's seats.
    kind: Mapped[WaitingKind] = mapped_column(enum_column(WaitingKind))
    #: The option waited for (kind ``option``).
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("part_options.id", ondelete="CASCADE"))
    #: The person's registration when they have one (always for an option's list).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    #: Normalised address, name, organisation, and the language their emails are in.
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str | None] = mapped_column(String(8))
    #: Order in the list: the lowest goes first (coordinators may swap neighbours).
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[WaitingStatus] = mapped_column(
        enum_column(WaitingStatus), default=WaitingStatus.WAITING)
    #: The current (or last) offer: when it was made and until when it holds a place.
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Bumped to revoke every link sent so far.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    #: Bookkeeping: joined, and left the line (accepted, lapsed or left).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    option: Mapped[PartOption | None] = relationship()
    registration: Mapped[Registration | None] = relationship()

    @property
    def in_line(self) -> bool:
        """Still waiting, or holding an offer."""
        return self.status in IN_LINE
