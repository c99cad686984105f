"""Writing the audit log, in the same transaction as the change it records."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import Enum

from flask import current_app, has_request_context

from webapp.extensions import db
from webapp.models import AuditEntry, Event

PERSONAL_FIELDS = {"email", "name", "organisation"}


def record_action(action: str, *, event: Event | None = None, target: str = "",
                  changes: dict | None = None, note: str = "", user=None) -> AuditEntry:
    """Add one entry for ``action`` by ``user`` (default: the signed-in user)."""
    user = user if user is not None else _current_user()
    entry = AuditEntry(
        action=action, event_id=event.id if event is not None else None,
        event_label=event.slug if event is not None else "", target=target,
        changes=_safe(changes or {}), note=note,
        user_id=getattr(user, "id", None), actor=getattr(user, "email", "") or "",
    )
    db.session.add(entry)
    return entry


def changes_between(before: dict, after: dict) -> dict:
    """``{field: [old, new]}`` for the fields whose value changed."""
    return {key: [before.get(key), after.get(key)] for key in sorted({*before, *after})
            if before.get(key) != after.get(key)}


def snapshot(row, fields) -> dict:
    """The values of ``fields`` of ``row``, as the audit log keeps them."""
    return {field: _plain(getattr(row, field)) for field in fields}


def pseudonym(value: str) -> str:
    """A participant's address or name as the log may hold it: a keyed hash, the same
    for the same value (so entries about one person can be found), never the value."""
    key = current_app.config["SECRET_KEY"].encode()
    return "#" + hashlib.blake2b(value.lower().encode(), key=key[:64], digest_size=6).hexdigest()


def _safe(changes: dict) -> dict:
    """Personal values replaced by their pseudonyms."""
    return {key: [pseudonym(v) if key in PERSONAL_FIELDS and isinstance(v, str) and v else v
                  for v in values] for key, values in changes.items()}


def _plain(value):
    """A JSON-friendly value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _current_user():
    """The signed-in user of this request, or None (CLI, mail worker)."""
    if not has_request_context():
        return None
    from flask_login import current_user

    return current_user if getattr(current_user, "is_authenticated", False) else None
