"""The personal series page (the link in the series email): the person's events of the
series, each with its own page, and leaving single events or the whole series."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from webapp import clock
from webapp.db import transactional
from webapp.htmx import redirect_to
from webapp.models import SeriesSignup
from webapp.participant import bp
from webapp.services import DomainError
from webapp.services.series import (
    confirm_series_address,
    leave_series,
    leave_series_event,
    series_view,
)
from webapp.services.waiting_view import entry_position
from webapp.tokens import make_token, read_token


def _signup(token: str) -> SeriesSignup:
    """The sign-up the token names, or 404 (tampered, foreign or revoked)."""
    signup = read_token("series", token, SeriesSignup)
    if signup is None:
        abort(404)
    return signup


def _page(signup: SeriesSignup, token: str, *, notice: str | None = None, status: int = 200):
    view = series_view(signup)
    links = {r.event_id: make_token("participant", r) for r in view.registrations}
    waiting = {e.event_id: (make_token("waiting", e), entry_position(e)) for e in view.waiting}
    return render_template(
        "participant/series.html", signup=signup, series=signup.series, view=view, token=token,
        links=links, waiting=waiting, form=FlaskForm(), now=clock.now(), notice=notice,
        pending=any(r.status.value == "pending" for r in view.registrations)), status


@bp.get("/s/<token>")
def series_home(token: str):
    """The person's events of the series."""
    return _page(_signup(token), token)


@bp.post("/s/<token>/leave/<int:event_id>")
@transactional
def leave_series_one(token: str, event_id: int):
    """Leave one event of the series."""
    signup = _signup(token)
    event = next((e for e in series_view(signup).events if e.id == event_id), None)
    if event is None:
        abort(404)
    if leave_series_event(signup, event):
        flash(_("You left %(title)s.", title=event.title), "success")
    return redirect_to(url_for("participant.series_home", token=token))


@bp.post("/s/<token>/leave")
@transactional
def leave_series_all(token: str):
    """Leave every event of the series that is still to come."""
    left = leave_series(_signup(token))
    flash(ngettext("You left %(num)d event of the series.",
                   "You left %(num)d events of the series.", left), "success")
    return redirect_to(url_for("participant.series_home", token=token))


@bp.post("/s/<token>/confirm")
@transactional
def confirm_series(token: str):
    """Double opt-in: confirm the address for every event of the series at once."""
    signup = _signup(token)
    try:
        confirm_series_address(signup)
    except DomainError as error:
        return _page(signup, token, notice=error.message, status=error.status)
    flash(_("Thank you: your email address is confirmed."), "success")
    return redirect_to(url_for("participant.series_home", token=token))
