"""Coordinators' answers to seats asked for on forwarded invitations: approve (an
invitation to that person is created and sent) or refuse (a polite email)."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from webapp.db import transactional
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.manage.invitations import act
from webapp.services.seat_requests import (
    approve_seat_request,
    find_seat_request,
    refuse_seat_request,
)


def _request_or_404(event_id: int, request_id: int):
    event = event_or_404(event_id)
    request = find_seat_request(event, request_id)
    if request is None:
        abort(404)
    return event, request


@bp.post("/events/<int:event_id>/seat-requests/<int:request_id>/approve")
@transactional
def approve_seat(event_id: int, request_id: int):
    """Invite the person who asked."""
    event, request = _request_or_404(event_id, request_id)
    return act(event, lambda: approve_seat_request(request, event),
                _("%(who)s is invited; the invitation is on its way.", who=request.name))


@bp.post("/events/<int:event_id>/seat-requests/<int:request_id>/refuse")
@transactional
def refuse_seat(event_id: int, request_id: int):
    """Say no, politely, by email."""
    event, request = _request_or_404(event_id, request_id)
    return act(event, lambda: refuse_seat_request(request, event),
                _("%(who)s is told by email that there is no seat.", who=request.name))
