"""The participant page, calendar download and cancellation."""

from __future__ import annotations

from flask import abort, flash, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from webapp.calendar import registration_calendar
from webapp.db import transactional
from webapp.htmx import redirect_to
from webapp.models import Registration
from webapp.participant import bp
from webapp.services import DomainError
from webapp.services.participant_view import participant_view
from webapp.services.privacy import delete_registration
from webapp.services.registrations import cancel_registration, confirm_email_address
from webapp.tokens import make_token, read_token


def _registration(token: str, purpose: str = "participant") -> Registration:
    """The registration the token names, or 404 (tampered, foreign or revoked)."""
    registration = read_token(purpose, token)
    if registration is None:
        abort(404)
    return registration


def _page(template: str, token: str, purpose: str = "participant", **context):
    """A personal page (with a CSRF-protected form) for the registration the token names."""
    registration = _registration(token, purpose)
    return render_template(template, registration=registration, event=registration.event,
                           token=token, form=FlaskForm(), **context)


@bp.get("/p/<token>")
def home(token: str):
    """What the participant registered for, and where the event stands for them: when
    the stream link comes, the watch page once it has come, what is live, the
    recordings until they expire, and that it is over."""
    from webapp.participant.choices import choices_context

    registration = _registration(token)
    return render_template("participant/home.html", registration=registration,
                           event=registration.event, token=token, form=FlaskForm(),
                           **participant_view(registration), **choices_context(registration))


@bp.get("/p/<token>/calendar.ics")
def calendar(token: str):
    """The parts the participant can follow, as an iCalendar file."""
    return _calendar(_registration(token))


@bp.get("/watch/<token>/calendar.ics")
def watch_calendar(token: str):
    """The same file, from the watch page's link (its own token: no second one to sign)."""
    return _calendar(_registration(token, "watch"))


def _calendar(registration: Registration):
    """The registration's calendar file, or 410 once it is cancelled."""
    if not registration.is_active:
        abort(410)
    response = make_response(registration_calendar(registration))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{registration.event.slug}.ics"'
    )
    return response


@bp.get("/p/<token>/cancel")
def confirm_cancel(token: str):
    """Ask before cancelling."""
    return _page("participant/cancel.html", token)


@bp.post("/p/<token>/cancel")
@transactional
def cancel(token: str):
    """Cancel the registration (CSRF-protected)."""
    registration = _registration(token)
    cancel_registration(registration)
    flash(_("Your registration has been cancelled."), "success")
    return redirect_to(url_for("participant.home", token=token))


@bp.get("/p/<token>/delete")
def confirm_delete(token: str):
    """Ask before deleting the registration and its data."""
    return _page("participant/delete.html", token)


@bp.post("/p/<token>/delete")
@transactional
def delete(token: str):
    """Delete the registration and everything about the participant (CSRF-protected)."""
    registration = _registration(token)
    slug = registration.event.slug
    delete_registration(registration)
    flash(_("Your registration and your personal data have been deleted."), "success")
    return redirect_to(url_for("public.event_page", slug=slug))


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    """Double opt-in: a button, so that mail scanners following links confirm nothing."""
    return _page("participant/confirm_email.html", token, "confirm-email")


@bp.post("/confirm/<token>")
@transactional
def confirm_email_post(token: str):
    """Confirm the address; the registration now counts."""
    registration = _registration(token, "confirm-email")
    try:
        confirm_email_address(registration)
    except DomainError as error:
        return _page("participant/confirm_email.html", token, "confirm-email",
                     notice=error.message), error.status
    flash(_("Thank you: your email address is confirmed and you are registered."), "success")
    return redirect_to(url_for("participant.home", token=make_token("participant", registration)))
