"""Who may see what under /manage/: admins everything, coordinators their events."""

from __future__ import annotations

from flask import abort
from flask_security import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import Event, EventAccess, Material, ProgrammePart


def visible_events():
    """A select of the events the signed-in user may manage."""
    query = select(Event)
    if not current_user.is_admin:
        query = query.where(Event.id.in_(
            select(EventAccess.event_id).where(EventAccess.user_id == current_user.id)))
    return query


def event_or_404(event_id: int) -> Event:
    """The event, if the signed-in user may manage it; 404 otherwise (not 403: an
    event one may not manage is not shown to exist)."""
    event = db.session.scalar(
        visible_events().where(Event.id == event_id)
        .options(selectinload(Event.parts).selectinload(ProgrammePart.options),
                 selectinload(Event.contacts), selectinload(Event.materials)))
    if event is None:
        abort(404)
    return event


def part_or_404(event_id: int, part_id: int) -> tuple[Event, ProgrammePart]:
    """The event and one of its parts, or 404."""
    event = event_or_404(event_id)
    part = next((p for p in event.parts if p.id == part_id), None)
    if part is None:
        abort(404)
    return event, part


def material_or_404(event_id: int, material_id: int) -> tuple[Event, Material]:
    """The event and one of its materials, or 404."""
    event = event_or_404(event_id)
    material = next((m for m in event.materials if m.id == material_id), None)
    if material is None:
        abort(404)
    return event, material


def admins_only() -> None:
    """404 for anyone but an admin (the users pages do not exist for others)."""
    if not current_user.is_admin:
        abort(404)
