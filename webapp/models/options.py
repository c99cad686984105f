"""Parallel options of a programme slot (seminars A–D) and the participants' choices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, EventContent, ProgrammePart
from webapp.models.types import UTCDateTime


class PartOption(EventContent, db.Model):
    """One of the parallel choices of a slot: a part with options is a slot, and each
    registration chooses one option per slot."""

    __tablename__ = "part_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    part_id: Mapped[int] = mapped_column(
        ForeignKey("programme_parts.id", ondelete="CASCADE"), index=True)
    #: Order within the slot, from 0.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Short name the programme uses, e.g. "A" (may be empty).
    label: Mapped[str] = mapped_column(String(10), default="", server_default="")
    #: Title of the seminar.
    title: Mapped[str] = mapped_column(String(300))
    #: Markdown description.
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The language it is held in when not the event's, e.g. "held in English".
    language_note: Mapped[str] = mapped_column(String(100), default="", server_default="")
    #: The room on site.
    room: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Seats in the room for participants on site; None: no limit.
    seat_limit: Mapped[int | None] = mapped_column(Integer)
    #: Whether it is streamed (web participants choose among the streamed options only).
    streamed: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Title and description in other languages: ``{"sv": {"title": ..., ...}}``.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    part: Mapped[ProgrammePart] = relationship(back_populates="options")

    @property
    def owning_event(self) -> Event | None:
        """The event of the slot this option belongs to."""
        part = self.part
        if part is None and self.part_id is not None:
            part = db.session.get(ProgrammePart, self.part_id)
        return part.event if part is not None else None

    @property
    def event(self) -> Event:
        """The event (for ``tr`` and templates)."""
        return self.part.event

    @property
    def language(self) -> str:
        """The language its texts are written in: the event's."""
        return self.part.event.language

    @property
    def name(self) -> str:
        """``A: Title`` (or the title alone without a label)."""
        return f"{self.label}: {self.title}" if self.label else self.title


class OptionChoice(db.Model):
    """The option a registration chose in one slot (at most one per slot). On site a
    choice takes a seat of its option; on the web it says which stream is followed."""

    __tablename__ = "option_choices"
    __table_args__ = (UniqueConstraint("registration_id", "part_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("registrations.id", ondelete="CASCADE"))
    #: The slot (kept beside the option: one choice per slot is a unique key).
    part_id: Mapped[int] = mapped_column(ForeignKey("programme_parts.id", ondelete="CASCADE"))
    option_id: Mapped[int] = mapped_column(
        ForeignKey("part_options.id", ondelete="CASCADE"), index=True)
    #: When it was chosen (or last changed).
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    option: Mapped[PartOption] = relationship()
