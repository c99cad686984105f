"""Signing up on site, joining a waiting list from a form shown as full, and the places
left that an open event page asks for."""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for

from webapp.db import transactional
from webapp.extensions import limiter
from webapp.htmx import redirect_to
from webapp.models import RegistrationKind, WaitingKind
from webapp.public import bp
from webapp.public.routes import _signup_response, onsite_form, web_form
from webapp.services import DomainError
from webapp.services.events import get_public_event
from webapp.services.onsite import check_onsite_open, join_list_for_place, sign_up_on_site
from webapp.services.options import OptionFull, seats_left_by_option
from webapp.services.places import places_left

_LISTS = {"web": WaitingKind.WEB, "on-site": WaitingKind.ON_SITE}


@bp.post("/events/<slug>/register-on-site")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"])
@transactional
def register_on_site(slug: str):
    """A seat on site and one option per slot, in one transaction."""
    event = get_public_event(slug)
    if not event.onsite_signup:
        abort(404)
    form = onsite_form(event)
    try:
        check_onsite_open(event)
        if not form.validate() or not form.check_required(seats_left_by_option(event)):
            return _onsite_response(event, form, status=422)
        sign_up_on_site(event, **form.person(), choices=form.chosen(), waits=form.waits())
    except OptionFull as error:
        form.show_full(error.option, error.message)
        form.stamp()  # the form is shown again: it starts now
        return _onsite_response(event, form, status=error.status)
    except DomainError as error:
        form.stamp()
        return _onsite_response(event, form, notice=error.message, status=error.status)
    # New or already registered: the same page and words (the email says which).
    return redirect_to(url_for("public.check_email", slug=slug))


def _onsite_response(event, form, *, notice: str | None = None, status: int = 200):
    """The event page, or for htmx the on-site sign-up section, with ``form`` in it."""
    return _signup_response(event, web_form(event, formdata=None), onsite=form,
                            onsite_notice=notice, status=status,
                            partial="public/_onsite_signup.html")


@bp.post("/events/<slug>/waiting-list/<kind>")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"])
@transactional
def join_waiting_list(slug: str, kind: str):
    """Join the waiting list for a web place or a seat on site (the form shown when the
    places are taken; the same checks as a sign-up)."""
    event = get_public_event(slug)
    if kind not in _LISTS or (kind == "on-site" and not event.onsite_signup):
        abort(404)
    on_site = _LISTS[kind] is WaitingKind.ON_SITE
    form = onsite_form(event) if on_site else web_form(event)
    try:
        if not form.validate():
            return _list_response(event, form, on_site, status=422)
        join_list_for_place(event, _LISTS[kind], **form.person())
    except DomainError as error:
        form.stamp()
        return _list_response(event, form, on_site, notice=error.message, status=error.status)
    return redirect_to(url_for("public.waiting_list_joined", slug=slug))


def _list_response(event, form, on_site: bool, **kwargs):
    if on_site:
        return _onsite_response(event, form, **kwargs)
    return _signup_response(event, form, **kwargs)


@bp.get("/events/<slug>/waiting-list/check-your-email")
def waiting_list_joined(slug: str):
    """The same answer for everyone who asked to join a list."""
    event = get_public_event(slug)
    return render_template("public/waiting_joined.html", event=event)


@bp.get("/events/<slug>/places")
def places(slug: str):
    """The places left (web, on site, each option), as out-of-band swaps for the event
    page that asks every PLACES_POLL_SECONDS while it is open."""
    event = get_public_event(slug)
    response = current_app.make_response(render_template(
        "public/_places.html", event=event, seats=seats_left_by_option(event),
        places_left=places_left(event, RegistrationKind.WEB),
        onsite_left=places_left(event, RegistrationKind.ON_SITE)))
    response.headers["Cache-Control"] = "no-store"
    return response
