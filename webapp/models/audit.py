"""The audit log: who did what to which event, and when; written with the change."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from webapp import clock
from webapp.extensions import db
from webapp.models.types import UTCDateTime


class AuditEntry(db.Model):
    """One coordinator action (or one the app took on its own, with no user)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_event_id_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When it happened.
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    #: Who did it (None: the app itself, or a user since deleted).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                index=True)
    #: The user's address at the time (coordinators' addresses, never participants').
    actor: Mapped[str] = mapped_column(String(254), default="")
    #: The event concerned, if any (None once a draft is deleted: ``event_label`` stays).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    #: The event's slug at the time.
    event_label: Mapped[str] = mapped_column(String(80), default="")
    #: What was done, e.g. ``event.publish`` or ``part.update``.
    action: Mapped[str] = mapped_column(String(60), index=True)
    #: What it was done to, e.g. ``part 12`` or ``registration 345`` (ids, not names).
    target: Mapped[str] = mapped_column(String(200), default="")
    #: Edits: ``{field: [before, after]}``; personal addresses appear only as hashes.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Free text given with the action (e.g. the cancellation message).
    note: Mapped[str] = mapped_column(Text, default="")
