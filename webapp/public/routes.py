"""Routes of the public pages: load, check, call a service, respond."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template, request, url_for

from webapp import clock
from webapp.db import transactional
from webapp.extensions import limiter
from webapp.forms.choices import with_slots
from webapp.forms.registration import (
    FIELDS,
    OnSiteRegistrationForm,
    WebRegistrationForm,
    new_stamp,
)
from webapp.htmx import redirect_to, render
from webapp.models import Event, RegistrationKind, RegistrationWindow
from webapp.page_cache import STAMP_MARK, cached_page
from webapp.public import bp
from webapp.services import DomainError
from webapp.services.events import (
    find_public_event,
    get_public_event,
    list_public_events,
    listing_version,
)
from webapp.services.options import OptionFull, choose_options, seats_left_by_option
from webapp.services.places import places_left
from webapp.services.registrations import (
    check_registration_open,
    register_web_participant,
    web_places_left,
)


@bp.get("/")
def event_list():
    """Upcoming and past events (rendered once per state of the listed events)."""
    html = cached_page(("list", listing_version()), _render_event_list)
    return make_response(html)


def _render_event_list() -> str:
    upcoming, past = list_public_events()
    return render_template("public/event_list.html", upcoming=upcoming, past=past)


@bp.get("/events/<slug>")
def event_page(slug: str):
    """The event, its programme, and the sign-up forms while registration is open
    (rendered once per event revision and sign-up state; see webapp/page_cache.py)."""
    event = get_public_event(slug, with_content=False)
    key = ("event", event.id, event.revision, event.created_at, *_signup_state(event))
    html = cached_page(key, lambda: _render_event_page(event), stamp=new_stamp)
    response = make_response(html)
    response.vary.add("HX-Request")
    return response


def _signup_state(event: Event) -> tuple:
    """Everything on the event page that changes without a change of the event: the
    sign-up window and the places and seats left (the page cache's key holds them)."""
    return (event.registration_window(clock.now()), web_places_left(event),
            places_left(event, RegistrationKind.ON_SITE),
            tuple(sorted(seats_left_by_option(event).items())))


def _render_event_page(event: Event) -> str:
    """The page with empty sign-up forms whose stamps are the placeholder."""
    form = web_form(event, formdata=None)
    form.started.data = STAMP_MARK
    onsite = onsite_form(event, formdata=None)
    if onsite is not None:
        onsite.started.data = STAMP_MARK
    return _signup_response(event, form, onsite=onsite).get_data(as_text=True)


def web_form(event: Event, **kwargs) -> WebRegistrationForm:
    """The web sign-up form, with a choice per slot that has streamed options."""
    return with_slots(WebRegistrationForm, event, RegistrationKind.WEB)(**kwargs)


def onsite_form(event: Event, **kwargs) -> OnSiteRegistrationForm | None:
    """The on-site sign-up form (with a choice per slot), if the event offers one."""
    if not event.onsite_signup:
        return None
    form = with_slots(OnSiteRegistrationForm, event, RegistrationKind.ON_SITE)(
        prefix="onsite", **kwargs)
    if "formdata" in kwargs:
        form.stamp()
    return form


@bp.post("/events/<slug>/register")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"])
@transactional
def register(slug: str):
    """Sign up as a web participant (full page without JS, the sign-up fragment with HTMX)."""
    event = get_public_event(slug, with_content=False)  # its content loads if needed
    form = web_form(event)
    try:
        check_registration_open(event)
        if not form.validate() or not form.check_required({}):
            return _signup_response(event, form, status=422)
        signup = register_web_participant(event, **form.person())
        if not signup.already_registered:
            choose_options(signup.registration, form.chosen())
    except OptionFull as error:
        form.show_full(error.option, error.message)
        form.stamp()  # the form is shown again: it starts now
        return _signup_response(event, form, status=error.status)
    except DomainError as error:
        form.stamp()
        return _signup_response(event, form, notice=error.message, status=error.status)
    # New or already registered: the same page and words (the email says which).
    return redirect_to(url_for("public.check_email", slug=slug))


@bp.get("/events/<slug>/check-your-email")
def check_email(slug: str):
    """Double opt-in: the registration waits for the link in the email."""
    event = get_public_event(slug)
    return render_template("public/check_email.html", event=event)


@bp.post("/events/<slug>/register/validate")
def validate_registration_field(slug: str):
    """Inline validation of the one field the user just left (HTMX)."""
    get_public_event(slug)
    name = request.headers.get("HX-Trigger-Name") or request.args.get("field", "")
    if name not in FIELDS:
        abort(400)
    form = WebRegistrationForm()
    field = form[name]
    extra = getattr(type(form), f"validate_{name}", None)
    field.validate(form, extra_validators=[extra] if extra else ())
    return render_template("public/_field_error.html", field=field)


@bp.get("/privacy")
def privacy():
    """The deployment's privacy notice (``?event=<slug>``: with that event's own
    stream provider and retention date)."""
    slug = request.args.get("event", "")
    event = find_public_event(slug) if slug else None
    return render_template("public/privacy.html", event=event,
                           retention_days=current_app.config["PRIVACY_RETENTION_DAYS"])


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement (EU Web Accessibility Directive 2016/2102)."""
    return render_template("public/accessibility.html")


def _signup_response(event: Event, form: WebRegistrationForm, *, notice: str | None = None,
                     status: int = 200, done: bool = False, onsite=None,
                     onsite_notice: str | None = None, partial: str = "public/_signup.html"):
    """The event page, or only the section of the form sent for HTMX."""
    window = event.registration_window(clock.now())
    if onsite is None:
        onsite = onsite_form(event, formdata=None)
    return render(
        partial, "public/event.html", status=status,
        event=event, form=form, notice=notice, done=done, window=window,
        open=window is RegistrationWindow.OPEN, places_left=web_places_left(event),
        onsite_form=onsite, onsite_notice=onsite_notice, seats=seats_left_by_option(event),
        onsite_left=places_left(event, RegistrationKind.ON_SITE),
        poll=current_app.config["PLACES_POLL_SECONDS"],
    )
