"""The invitee's page, ``/i/<token>`` (no sign-in): accept a seat on site, decline, or
follow on the web instead, until the RSVP deadline; or, on a forwarded invitation,
ask for a seat of one's own.

A GET changes no answer (mail scanners open links): answers are POST forms. Opening
the page marks the invitation "opened", a harmless write done by the GET in its
unit of work (a scanner that opens the link marks it too).
"""

from __future__ import annotations

from flask import abort, current_app, flash, render_template, url_for
from flask_babel import gettext as _

from webapp.db import transactional
from webapp.extensions import db, limiter
from webapp.forms.choices import with_slots
from webapp.forms.invitations import AnswerForm, DeclineForm, SeatRequestForm
from webapp.htmx import redirect_to
from webapp.models import Invitation, RegistrationKind
from webapp.participant import bp
from webapp.services import DomainError
from webapp.services.invitation_answers import (
    NoSeatsLeft,
    accept_invitation,
    decline_invitation,
    follow_on_web,
    mark_opened,
    rsvp_closes_at,
    rsvp_open,
)
from webapp.services.options import OptionFull, seats_left_by_option
from webapp.services.places import places_left
from webapp.services.seat_requests import ask_for_seat
from webapp.tokens import read_payload


def _invitation(token: str) -> Invitation:
    """The invitation the token names; 404 if tampered or foreign, 410 if withdrawn."""
    payload = read_payload("invitation", token)
    invitation = db.session.get(Invitation, payload[0]) if payload else None
    if invitation is None:
        abort(404)
    if invitation.token_version != payload[1]:
        abort(_gone(invitation))
    return invitation


def _gone(invitation: Invitation):
    """A withdrawn (or replaced) link: 410, and where the event can still be followed."""
    return current_app.make_response((render_template(
        "participant/invitation_gone.html", event=invitation.event), 410))


def masked(address: str) -> str:
    """``an…@heuni.fi``: enough for the invited person to recognise, not to copy."""
    local, _at, domain = address.partition("@")
    return f"{local[:2] if len(local) > 3 else local[:1]}…@{domain}"


def _page(invitation: Invitation, token: str, *, status: int = 200, **context):
    """The invitation as it stands: the event, to whom, the answer, what can be done."""
    event = invitation.event
    context.setdefault("answer_form", answer_form(event, formdata=None))
    context.setdefault("decline_form", DeclineForm(formdata=None, prefix="decline"))
    context.setdefault("seat_form", SeatRequestForm(formdata=None, prefix="seat"))
    return render_template(
        "participant/invitation.html", invitation=invitation, event=event, token=token,
        email=masked(invitation.email), open=rsvp_open(event), closes_at=rsvp_closes_at(event),
        seats_left=places_left(event, RegistrationKind.ON_SITE),
        seats=seats_left_by_option(event), **context), status


def answer_form(event, **kwargs) -> AnswerForm:
    """The answer form, with an option to choose in each slot for a seat on site."""
    return with_slots(AnswerForm, event, RegistrationKind.ON_SITE)(prefix="answer", **kwargs)


@bp.get("/i/<token>")
@transactional
def invitation(token: str):
    """The invitation, and the invitee's answer or the forms to give it."""
    invitation = _invitation(token)
    mark_opened(invitation)
    return _page(invitation, token)


def _answer(token: str, action, done: str, form_name: str, form):
    """Run an answer; a refusal (deadline, no seats) is shown on the page, nothing saved."""
    invitation = _invitation(token)
    if not form.validate():
        return _page(invitation, token, status=422, **{form_name: form})
    try:
        action(invitation)
    except DomainError as error:
        if isinstance(error, OptionFull):
            form.show_full(error.option, error.message)
        return _page(invitation, token, notice=error.message, status=error.status,
                     no_seats=isinstance(error, NoSeatsLeft), **{form_name: form})
    flash(done, "success")
    return redirect_to(url_for("participant.invitation", token=token))


@bp.post("/i/<token>/accept")
@transactional
def invitation_accept(token: str):
    """Attend on site: a seat, and a confirmation with the calendar of every part."""
    event = _invitation(token).event
    form = answer_form(event)
    if form.validate() and not form.check_required(seats_left_by_option(event)):
        return _page(_invitation(token), token, status=422, answer_form=form)
    return _answer(token, lambda i: accept_invitation(
                       i, name=form.name.data or "", choices=form.chosen(), waits=form.waits()),
                   _("Thank you: your seat is booked. A confirmation with a calendar file "
                     "is on its way to you."), "answer_form", form)


@bp.post("/i/<token>/web")
@transactional
def invitation_web(token: str):
    """Follow on the web instead: a web registration and its stream-link email."""
    form = AnswerForm(prefix="answer")
    return _answer(token, lambda i: follow_on_web(i, name=form.name.data or ""),
                   _("Thank you: you are registered to follow on the web. Your personal link "
                     "to the stream comes by email."), "answer_form", form)


@bp.post("/i/<token>/decline")
@transactional
def invitation_decline(token: str):
    """Not coming (with an optional message to the organisers)."""
    form = DeclineForm(prefix="decline")
    return _answer(token, lambda i: decline_invitation(i, message=form.message.data or ""),
                   _("Thank you for letting us know. You can change your answer until the "
                     "deadline."), "decline_form", form)


@bp.post("/i/<token>/seat")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"])
@transactional
def invitation_seat(token: str):
    """A forwarded invitation's reader asks for a seat of their own: the same answer
    whatever the address."""
    form = SeatRequestForm(prefix="seat")
    return _answer(token, lambda i: ask_for_seat(i, **form.person()),
                   _("Thank you. Your request is passed on to the organisers, who will answer "
                     "you by email."), "seat_form", form)
