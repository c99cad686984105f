"""Coordinators' accounts (Flask-Security), their roles, and the events each may manage."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_security import AsaList, RoleMixin, UserMixin, WebAuthnMixin
from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table, UniqueConstraint
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

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
    #: The id passkeys know this account by (random; set at the first passkey).
    fs_webauthn_user_handle: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")
    webauthn: Mapped[list[WebAuthn]] = relationship(back_populates="user",
                                                    cascade="all, delete-orphan")

    @property
    def is_admin(self) -> bool:
        """Sees and changes everything, users included."""
        return self.has_role(ADMIN)


class WebAuthn(db.Model, WebAuthnMixin):
    """A passkey (WebAuthn credential) a coordinator registered under /manage/wan-register
    (Flask-Security's columns)."""

    __tablename__ = "webauthn"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    #: The authenticator's id for the credential.
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    #: Its public key (COSE), which checks each sign-in's signature.
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: The authenticator's signature counter at the last use (0: it keeps none).
    sign_count: Mapped[int | None] = mapped_column(default=0)
    #: How the browser reaches it ("internal", "usb", "hybrid"...).
    transports: Mapped[list[str] | None] = mapped_column(MutableList.as_mutable(AsaList()))
    #: Synced to other devices (a backed-up passkey), and "single_device" or "multi_device".
    backup_state: Mapped[bool] = mapped_column()
    device_type: Mapped[str] = mapped_column(String(64))
    #: The client's extension results at registration, as JSON.
    extensions: Mapped[str | None] = mapped_column(String(255))
    #: The name the coordinator gave it, unique per account.
    name: Mapped[str] = mapped_column(String(64))
    #: "first" (signs in alone) or "secondary" (after the password).
    usage: Mapped[str] = mapped_column(String(64))
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    lastuse_datetime: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="webauthn")

    @validates("lastuse_datetime")
    def _utc(self, _key: str, value: datetime) -> datetime:
        """Flask-Security writes naive UTC times; our columns take aware ones."""
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


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
