"""A person's sign-up for a series: the key of their personal series page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Series
from webapp.models.types import UTCDateTime


class SeriesSignup(db.Model):
    """One address signed up for (some of) a series' events. Each event has its own
    registration; this row carries the personal series page's signed link."""

    __tablename__ = "series_signups"
    __table_args__ = (UniqueConstraint("series_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    #: Normalised address (the registrations of the series' events carry the same).
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: The language of the series email.
    language: Mapped[str | None] = mapped_column(String(8))
    #: Bumped to revoke every link sent so far.
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    series: Mapped[Series] = relationship()
