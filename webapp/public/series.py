"""The series page: its events in order, and one sign-up form for all of them."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from webapp.db import transactional
from webapp.extensions import limiter
from webapp.forms.series import SeriesSignupForm
from webapp.htmx import redirect_to, render
from webapp.public import bp
from webapp.services import DomainError
from webapp.services.registrations import web_places_left
from webapp.services.series import (
    get_public_series,
    open_events,
    public_events,
    sign_up_for_series,
)


@bp.get("/series/<slug>")
def series_page(slug: str):
    """Title, description, the events in order, and the sign-up for those still open."""
    series = get_public_series(slug)
    form = SeriesSignupForm()
    form.offer(open_events(series), tick_all=True)
    form.stamp()
    return _page(series, form)


@bp.post("/series/<slug>/register")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"])
@transactional
def register_series(slug: str):
    """One registration per chosen event, one email."""
    series = get_public_series(slug)
    form = SeriesSignupForm()
    events = open_events(series)
    form.offer(events, tick_all=False)
    try:
        if not form.validate():
            return _page(series, form, status=422)
        sign_up_for_series(series, form.chosen(events), **form.person())
    except DomainError as error:
        form.stamp()
        return _page(series, form, notice=error.message, status=error.status)
    # New or already signed up: the same page and words (the email says what holds).
    return redirect_to(url_for("public.series_check_email", slug=slug))


@bp.get("/series/<slug>/check-your-email")
def series_check_email(slug: str):
    """The same answer for everyone who sent the form."""
    series = get_public_series(slug)
    return render_template("public/series_check_email.html", series=series)


def _page(series, form, *, notice: str | None = None, status: int = 200):
    """The series page, or for htmx its sign-up section."""
    events = public_events(series)
    open_now = open_events(series)
    return render("public/_series_signup.html", "public/series.html", status=status,
                  series=series, events=events, open_events=open_now, form=form,
                  notice=notice, places={e.id: web_places_left(e) for e in open_now})
