"""Where an event stands for one participant, for their personal page."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from webapp import clock
from webapp.models import EventStatus, Registration, RegistrationKind
from webapp.services.participant_materials import materials_for
from webapp.services.watch import WatchState, watch_view
from webapp.tokens import make_token


def participant_view(registration: Registration) -> dict:
    """What the personal page shows: the watch page's state, whether the stream link
    has come (and the link), when it comes, whether anything is left to do, and the
    materials the participant may open."""
    event, now = registration.event, clock.now()
    view = watch_view(event, now)
    first = event.first_streamed_part
    lead = timedelta(hours=current_app.config["STREAM_LINK_LEAD_HOURS"])
    link_at = first.starts_at - lead if first is not None else None
    on_web = registration.kind is RegistrationKind.WEB
    active = registration.is_active and event.status is not EventStatus.CANCELLED
    watchable = (active and on_web and link_at is not None and now >= link_at
                 and view.state not in {WatchState.EXPIRED, WatchState.OVER})
    return {
        "view": view, "link_at": link_at if on_web else None,
        "watch_token": make_token("watch", registration) if watchable else None,
        "over": event.ends_at <= now or event.status is EventStatus.CANCELLED,
        "active": active, "materials": materials_for(registration, now),
    }
