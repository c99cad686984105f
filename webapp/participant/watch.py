"""The watch page: the link in the stream-link email."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from webapp import clock, timefmt
from webapp.db import transactional
from webapp.errors.handlers import render_error
from webapp.htmx import is_htmx
from webapp.models import EventStatus, RegistrationStatus, ViewMode
from webapp.participant import bp
from webapp.security import allow_frames_from
from webapp.services.watch import WatchState, media_url, record_view, watch_view
from webapp.timefmt import long_datetime
from webapp.tokens import read_payload
from webapp.watch_fastpath import load_for_watch, render_watch_page


class Refused(Exception):
    """The link is valid but opens nothing (cancelled, revoked, expired...)."""

    def __init__(self, status: int, message: str, title: str | None = None):
        super().__init__(message)
        self.status, self.message, self.title = status, message, title


def _access(token: str):
    """(registration, event) for a watch token, or 404 / a clear refusal."""
    payload = read_payload("watch", token)
    loaded = load_for_watch(payload[0]) if payload else None
    if loaded is None:
        abort(404)
    registration, event = loaded
    if registration.token_version != payload[1]:
        raise Refused(403, _("This link has been replaced by a newer one. "
                             "Please use the link in your most recent email."))
    if registration.status is RegistrationStatus.CANCELLED:
        raise Refused(403, _("Your registration for this event was cancelled, "
                             "so this link no longer opens the stream."))
    if registration.status is RegistrationStatus.PENDING:
        raise Refused(403, _("Please confirm your email address first: "
                             "use the link in the email we sent you."))
    if event.status is EventStatus.CANCELLED:
        raise Refused(410, _("This event was cancelled."), _("The event was cancelled"))
    return registration, event


@bp.errorhandler(Refused)
def refused(error: Refused):
    """A clear page (or fragment) saying why the link opens nothing."""
    response, status = render_error(error.status, error.message, error.title)
    return response, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.get("/watch/<token>")
@transactional
def watch(token: str):
    """Before, live, pause or after: the page follows the programme by itself."""
    registration, event = _access(token)
    view = watch_view(event)
    # The page's policy must already allow the player it will swap in later.
    allow_frames_from(event.stream_url, event.recording_url,
                      *(p.recording_url for p in event.parts))
    if view.state is WatchState.EXPIRED:
        raise _expired(view, event)
    if view.state is WatchState.OVER:
        raise Refused(410, _("The event is over and no recording is available."),
                      _("The event is over"))
    player_url = None
    if view.state is WatchState.LIVE:
        record_view(registration, view.live_part, ViewMode.LIVE, request.remote_addr)
        player_url = media_url(event, event.stream_url) if event.stream_url else None
    countdown = (timefmt.countdown(view.next_part.starts_at, clock.now())
                 if view.state is WatchState.BEFORE else None)
    return _personal_page(event, view, token, player_url=player_url, countdown=countdown)


def _personal_page(event, view, token: str, **context):
    """The watch page (or its state fragment for HTMX) for one participant, rendered
    once for everyone in the same state (see webapp/watch_fastpath.py)."""
    fragment = is_htmx()
    key = (event.id, event.revision, event.created_at, str(get_locale()), fragment, view.state,
           *(getattr(view, name) and getattr(view, name).id
             for name in ("live_part", "next_part", "unstreamed_part")),
           tuple(sorted(context.items())))
    html = render_watch_page(
        "participant/_watch_state.html" if fragment else "participant/watch.html", key, token,
        event=event, view=view, poll=current_app.config["WATCH_POLL_SECONDS"], **context)
    # Vary given as a header: ``response.vary.add`` parses and rewrites it, at a cost.
    return make_response(html, {"Vary": "HX-Request"})


@bp.get("/watch/<token>/recording/<int:part_id>")
@transactional
def recording(token: str, part_id: int):
    """One part's recording, until the expiry."""
    registration, event = _access(token)
    view = watch_view(event)
    if view.state is WatchState.EXPIRED:
        raise _expired(view, event)
    found = next(((p, url) for p, url in view.recordings if p.id == part_id), None)
    if view.state is not WatchState.AFTER or found is None:
        abort(404)
    part, url = found
    allow_frames_from(url)
    record_view(registration, part, ViewMode.RECORDING, request.remote_addr)
    return render_template(
        "participant/recording.html", registration=registration, event=event, view=view,
        token=token, part=part, player_url=media_url(event, url, until=view.expires_at),
    )


def _expired(view, event) -> Refused:
    """410, saying what expired and when."""
    return Refused(410, _("The recording was available until %(when)s and has now expired.",
                          when=_long(view.expires_at, event)), _("The recording has expired"))


def _long(instant, event) -> str:
    """The expiry in words, in the event's zone."""
    return long_datetime(instant, event.zone)
