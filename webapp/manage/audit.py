"""The audit log, for admins: who did what to which event, with filters."""

from __future__ import annotations

from datetime import datetime, time, timezone

from flask import request
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.htmx import render
from webapp.manage import bp
from webapp.manage.access import admins_only
from webapp.models import AuditEntry, Event, User
from webapp.urls import MAX_ID, page_number

PAGE_SIZE = 50


@bp.get("/audit")
def audit():
    """Entries newest first, filtered by event, user, action and day."""
    admins_only()
    query, filters = _filtered(select(AuditEntry))
    number = page_number(request.args.get("page"))
    total = db.session.scalar(_filtered(select(func.count(AuditEntry.id)))[0])
    entries = db.session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                 .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return render("manage/audit/_entries.html", "manage/audit/index.html",
                  entries=entries, filters=filters, number=number, total=total,
                  pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), **_choices())


def _filtered(query):
    """``query`` narrowed by the request's filters, and the filters as given."""
    args = request.args
    filters = {key: args.get(key, "").strip() for key in ("event", "user", "action", "day")}
    if filters["event"].isdigit() and int(filters["event"]) <= MAX_ID:
        query = query.where(AuditEntry.event_id == int(filters["event"]))
    if filters["user"].isdigit() and int(filters["user"]) <= MAX_ID:
        query = query.where(AuditEntry.user_id == int(filters["user"]))
    if filters["action"]:
        query = query.where(AuditEntry.action.startswith(filters["action"]))
    day = _day(filters["day"])
    if day is not None:
        start = datetime.combine(day, time(0), timezone.utc)
        query = query.where(AuditEntry.at >= start,
                            AuditEntry.at < start.replace(hour=23, minute=59, second=59))
    return query, filters


def _day(text: str):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None


def _choices() -> dict:
    """Events, users and kinds of action to filter by."""
    return {
        "events": db.session.execute(select(Event.id, Event.title).order_by(Event.title)).all(),
        "users": db.session.execute(select(User.id, User.email).order_by(User.email)).all(),
        "actions": db.session.scalars(select(AuditEntry.action).distinct()
                                      .order_by(AuditEntry.action)).all(),
    }


