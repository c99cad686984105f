"""Coordinators' accounts: create, disable, enable, and give events to them."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_security import hash_password
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.forms.registration import normalise_email
from webapp.models import ADMIN, COORDINATOR, Event, EventAccess, Role, User
from webapp.services import DomainError
from webapp.services.audit import record_action


class UserError(DomainError):
    """An account action that cannot be done (unknown or duplicate address, ...)."""

    status = 422


def find_user(email: str) -> User | None:
    """The account with this address (whatever its case), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def role(name: str) -> Role:
    """The role ``name``, created the first time it is needed."""
    datastore = current_app.extensions["security"].datastore
    return datastore.find_or_create_role(name)


def create_user(email: str, *, admin: bool = False, password: str | None = None) -> User:
    """A new active account (coordinator, or admin); UserError for a bad or taken address."""
    try:
        address = normalise_email(email)
    except ValueError:
        raise UserError(_("%(email)s is not a valid email address.", email=email)) from None
    if find_user(address) is not None:
        raise UserError(_("There is already an account for %(email)s.", email=address))
    datastore = current_app.extensions["security"].datastore
    user = datastore.create_user(
        email=address, password=hash_password(password) if password else None,
        roles=[role(ADMIN if admin else COORDINATOR)])
    db.session.flush()
    record_action("user.create", target=f"user {user.id}",
                  changes={"account": [None, address],
                           "role": [None, ADMIN if admin else COORDINATOR]})
    return user


def set_active(user: User, active: bool) -> None:
    """Disable (cannot sign in; their sessions end) or enable an account."""
    if user.active == active:
        return
    user.active = active
    if not active:
        current_app.extensions["security"].datastore.set_uniquifier(user)  # ends sessions
    db.session.flush()
    record_action("user.enable" if active else "user.disable", target=f"user {user.id}")


def grant_event(user: User, event: Event) -> None:
    """Let ``user`` manage ``event``."""
    exists = db.session.scalar(select(EventAccess.id).where(
        EventAccess.user_id == user.id, EventAccess.event_id == event.id))
    if exists is None:
        db.session.add(EventAccess(user_id=user.id, event_id=event.id))
        db.session.flush()
        record_action("access.grant", event=event, target=f"user {user.id}")


def revoke_event(user: User, event: Event) -> None:
    """``user`` no longer manages ``event``."""
    access = db.session.scalar(select(EventAccess).where(
        EventAccess.user_id == user.id, EventAccess.event_id == event.id))
    if access is not None:
        db.session.delete(access)
        db.session.flush()
        record_action("access.revoke", event=event, target=f"user {user.id}")
