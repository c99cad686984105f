"""Coordinators' accounts (Flask-Security), their roles, and the events each may manage."""

from __future__ import annotations

from datetime import datetime

from flask_security import AsaList, RoleMixin, UserMixin
from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.types import UTCDateTime

ADMIN = "admin"
COORDINATOR = "coordinator"

roles_users = Table(
    "roles_users",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model, RoleMixin):
    """``admin`` (everything, users too) or ``coordinator`` (the events given to them)."""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ``admin`` or ``coordinator``.
    name: Mapped[str] = mapped_column(String(80), unique=True)
    #: What the role may do, in words.
    description: Mapped[str | None] = mapped_column(String(255))
    #: Flask-Security's permissions (unused: roles and event access decide).
    permissions: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(AsaList()))


class User(db.Model, UserMixin):
    """A coordinator or admin who signs in under /manage/."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in address, lower case, unique.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: argon2 hash (Flask-Security), None until a password is set.
    password: Mapped[str | None] = mapped_column(String(255))
    #: False: cannot sign in (``flask users disable``).
    active: Mapped[bool] = mapped_column(default=True)
    #: What the session names instead of the id; renewed when the password changes,
    #: which signs out every other session.
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True)
    #: Two factors: the method ("authenticator") and the encrypted TOTP secret.
    tf_primary_method: Mapped[str | None] = mapped_column(String(64))
    tf_totp_secret: Mapped[str | None] = mapped_column(String(255))
    #: The last authenticator code's counter: a code is accepted once.
    tf_totp_last_counter: Mapped[int | None] = mapped_column()
    #: Read by Flask-Security's two-factor code; SMS is not offered.
    tf_phone_number: Mapped[str | None] = mapped_column(String(128))
    #: Recovery codes, each usable once (encrypted when keys are configured).
    mf_recovery_codes: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(AsaList()))
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")

    @property
    def is_admin(self) -> bool:
        """Sees and changes everything, users included."""
        return self.has_role(ADMIN)


class EventAccess(db.Model):
    """An event given to a coordinator by an admin."""

    __tablename__ = "event_access"
    __table_args__ = (UniqueConstraint("user_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"),
                                          index=True)
    #: When it was given.
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship()
