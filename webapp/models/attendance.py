"""Who watched what: one row per participant, part, way of watching and minute."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.models.events import ProgrammePart, enum_column
from webapp.models.registrations import Registration
from webapp.models.types import UTCDateTime


class ViewMode(enum.Enum):
    """Live stream, recording, or in the room (marked arrived at the door)."""

    LIVE = "live"
    RECORDING = "recording"
    ON_SITE = "on_site"  # one row per part, at the part's start minute


class Attendance(db.Model):
    """A participant had a part open during one minute (on site: was there)."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("registration_id", "part_id", "mode", "minute"),
        Index("ix_attendance_registration_id_minute", "registration_id", "minute"),
        Index("ix_attendance_minute", "minute"),  # viewers right now (dashboard, metrics)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("programme_parts.id", ondelete="CASCADE"),
                                         index=True)
    #: Live or recording.
    mode: Mapped[ViewMode] = mapped_column(enum_column(ViewMode))
    #: The minute (UTC, seconds cut off) the page was open.
    minute: Mapped[datetime] = mapped_column(UTCDateTime)

    registration: Mapped[Registration] = relationship()
    part: Mapped[ProgrammePart] = relationship()


class ViewTotal(db.Model):
    """How one participant watched one part in one way, summed up: first and last minute
    and minutes watched. Written with each new attendance minute (``record_view``), so
    that coordinators' reports read one row per person and part, not one per minute
    (100 000 viewers of a two-hour part are 12 million minutes). tests/test_view_totals.py
    holds it equal to the attendance rows summed up."""

    __tablename__ = "view_totals"
    __table_args__ = (
        UniqueConstraint("registration_id", "part_id", "mode"),
        # Who watched a part (counted from the index alone), who is watching right now.
        Index("ix_view_totals_part_id_mode_last_minute", "part_id", "mode", "last_minute",
              "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    part_id: Mapped[int] = mapped_column(ForeignKey("programme_parts.id", ondelete="CASCADE"))
    #: Live or recording.
    mode: Mapped[ViewMode] = mapped_column(enum_column(ViewMode))
    #: The first and the last minute (UTC) the part was open.
    first_minute: Mapped[datetime] = mapped_column(UTCDateTime)
    last_minute: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Minutes the part was open (attendance rows).
    minutes: Mapped[int] = mapped_column(Integer, default=1)


class WatchNetwork(db.Model):
    """A network a participant's watch link was opened from, and when last."""

    __tablename__ = "watch_networks"
    __table_args__ = (UniqueConstraint("registration_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    #: Salted hash of the network (IPv4 /24, IPv6 /48): no address is kept.
    network: Mapped[str] = mapped_column(String(32))
    #: Last time the link was opened from there.
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
