"""Coordinators' view of an event's waiting lists: who is in line, in order; moving
someone up or down; offering a place by hand."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _

from webapp.db import transactional
from webapp.extensions import db
from webapp.htmx import redirect_to
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.models import WaitingEntry
from webapp.services import DomainError
from webapp.services.waiting import make_offer, move_in_line
from webapp.services.waiting_view import lists_of


@bp.get("/events/<int:event_id>/waiting")
def waiting_lists(event_id: int):
    """Every list of the event (one query for the entries)."""
    event = event_or_404(event_id)
    return _page(event)


def _page(event, *, notice: str | None = None, status: int = 200):
    return render_template("manage/waiting/index.html", event=event, lists=lists_of(event),
                           notice=notice), status


@bp.post("/events/<int:event_id>/waiting/<int:entry_id>/<action>")
@transactional
def waiting_action(event_id: int, entry_id: int, action: str):
    """Move someone up or down, or offer them a place now."""
    event = event_or_404(event_id)
    entry = db.session.get(WaitingEntry, entry_id)
    if entry is None or entry.event_id != event.id or action not in {"up", "down", "offer"}:
        abort(404)
    try:
        if action == "offer":
            make_offer(entry, by_hand=True)
            flash(_("A place is offered; an email is on its way."), "success")
        else:
            move_in_line(entry, -1 if action == "up" else +1)
    except DomainError as error:
        return _page(event, notice=error.message, status=error.status)
    return redirect_to(url_for("manage.waiting_lists", event_id=event.id) + f"#entry-{entry.id}")
