"""Arrival at the door: a check-in page for coordinators that works on a phone.

Search as you type (htmx; a plain GET form without JS), one tap to mark arrived and
one to undo (POST forms answering the row and, out of band, the count for htmx, or
redirecting back without JS). A tap that fails to reach the server says so
(site.js) and can be repeated: marking is idempotent (services/arrivals.py).
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_wtf import FlaskForm

from webapp.db import transactional
from webapp.htmx import is_htmx, redirect_to, render
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.services.arrivals import (
    LIST_LIMIT,
    arrival_counts,
    arrival_list,
    expected_registration,
    mark_arrived,
    unmark_arrived,
)


def _search() -> str:
    """The search words, from the query (GET) or the tapped form (POST)."""
    return (request.values.get("q") or "").strip()[:100]


@bp.get("/events/<int:event_id>/checkin")
def checkin(event_id: int):
    """Who is expected on site, who has arrived, and the count."""
    event = event_or_404(event_id)
    search = _search()
    arrived, expected = arrival_counts(event)
    return render("manage/checkin/_list.html", "manage/checkin/index.html", event=event,
                  people=arrival_list(event, search), search=search, arrived=arrived,
                  expected=expected, limit=LIST_LIMIT, form=FlaskForm())


def _tap(event_id: int, registration_id: int, action):
    """Mark (or unmark) one person; the row and the count (htmx), or back to the list."""
    event = event_or_404(event_id)
    registration = expected_registration(event, registration_id)
    if registration is None:
        abort(404)
    action(registration)
    if not is_htmx():
        return redirect_to(url_for("manage.checkin", event_id=event.id, q=_search() or None,
                                   _anchor=f"arrival-{registration.id}"))
    arrived, expected = arrival_counts(event)
    return render_template("manage/checkin/_tapped.html", event=event, person=registration,
                           arrived=arrived, expected=expected, search=_search(),
                           form=FlaskForm())


@bp.post("/events/<int:event_id>/checkin/<int:registration_id>/arrived")
@transactional
def mark_arrival(event_id: int, registration_id: int):
    """Arrived (again: the same as once)."""
    return _tap(event_id, registration_id, mark_arrived)


@bp.post("/events/<int:event_id>/checkin/<int:registration_id>/undo")
@transactional
def undo_arrival(event_id: int, registration_id: int):
    """Not arrived after all."""
    return _tap(event_id, registration_id, unmark_arrived)
