"""A place in a waiting list, reached by its signed link: the position, the offer (taken
with a button, so that mail scanners following links take nothing), leaving the list."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from webapp import clock
from webapp.db import transactional
from webapp.htmx import redirect_to
from webapp.models import WaitingEntry
from webapp.participant import bp
from webapp.services import DomainError
from webapp.services.waiting import accept_offer, leave_waiting_list
from webapp.services.waiting_view import entry_position
from webapp.tokens import make_token, read_token


def _entry(token: str) -> WaitingEntry:
    """The entry the token names, or 404 (tampered, foreign or revoked)."""
    entry = read_token("waiting", token, WaitingEntry)
    if entry is None:
        abort(404)
    return entry


def _page(entry: WaitingEntry, token: str, *, notice: str | None = None, status: int = 200):
    offer_open = (entry.status.value == "offered"
                  and clock.now().replace(microsecond=0) <= entry.offer_expires_at)
    return render_template("participant/waiting.html", entry=entry, event=entry.event,
                           token=token, form=FlaskForm(), position=entry_position(entry),
                           offer_open=offer_open, notice=notice), status


@bp.get("/w/<token>")
def waiting_entry(token: str):
    """Where the person stands in the list, and the offer when there is one."""
    return _page(_entry(token), token)


@bp.post("/w/<token>/accept")
@transactional
def accept(token: str):
    """Take the offered place (race-free: the same services as a sign-up)."""
    entry = _entry(token)
    try:
        registration = accept_offer(entry)
    except DomainError as error:
        return _page(entry, token, notice=error.message, status=error.status)
    flash(_("The place is yours."), "success")
    return redirect_to(url_for("participant.home",
                               token=make_token("participant", registration)))


@bp.post("/w/<token>/leave")
@transactional
def leave(token: str):
    """Leave the waiting list."""
    entry = _entry(token)
    leave_waiting_list(entry)
    flash(_("You left the waiting list."), "success")
    return redirect_to(url_for("participant.waiting_entry", token=token))
