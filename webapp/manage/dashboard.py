"""The dashboard: every current event's figures at a glance, and one event's at the top
of its page; the figures refresh by themselves (a polled fragment) while an event is on."""

from __future__ import annotations

from flask import render_template, url_for

from webapp.htmx import is_htmx, redirect_to
from webapp.manage import bp
from webapp.manage.access import event_or_404, visible_events
from webapp.services.dashboard import (
    Chart,
    dashboard_events,
    event_summaries,
    is_on_air,
    signups_per_day,
)


@bp.get("/dashboard")
def dashboard():
    """Registrations, emails and viewers of every event that is not long over."""
    events = dashboard_events(visible_events())
    return render_template("manage/dashboard/index.html", summaries=event_summaries(events),
                           on_air=is_on_air(events))


@bp.get("/dashboard/figures")
def dashboard_figures():
    """The dashboard's table alone, polled by htmx while an event is on."""
    if not is_htmx():
        return redirect_to(url_for("manage.dashboard"))
    events = dashboard_events(visible_events())
    return render_template("manage/dashboard/_table.html", summaries=event_summaries(events),
                           on_air=is_on_air(events))


@bp.get("/events/<int:event_id>/figures")
def event_figures(event_id: int):
    """One event's figures alone, polled by htmx on its page while it is on."""
    event = event_or_404(event_id)
    if not is_htmx():
        return redirect_to(url_for("manage.event", event_id=event.id))
    return render_template("manage/dashboard/_figures.html", event=event,
                           summary=event_summaries([event])[0], on_air=is_on_air([event]))


def event_overview(event) -> dict:
    """What the event's page shows at its top: its figures and sign-ups per day."""
    return {"summary": event_summaries([event])[0], "on_air": is_on_air([event]),
            "chart": Chart(signups_per_day(event))}
