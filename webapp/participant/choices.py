"""The participant's choices of the slots' options, changed on their personal page until
the event's deadline, and their places in the options' waiting lists."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _

from webapp import clock
from webapp.db import transactional
from webapp.forms.choices import ChoicesForm, with_slots
from webapp.htmx import redirect_to, render
from webapp.models import Registration, RegistrationKind, WaitingKind
from webapp.participant import bp
from webapp.services import DomainError
from webapp.services.options import OptionFull, change_choices, seats_left_by_option, slots_for
from webapp.services.participant_view import participant_view
from webapp.services.waiting import join_waiting_list, leave_waiting_list
from webapp.services.waiting_view import entries_of, entry_position
from webapp.tokens import make_token


def choices_form(registration: Registration, **kwargs) -> ChoicesForm:
    """The form of the registration's slots, filled with its choices when shown first."""
    form = with_slots(ChoicesForm, registration.event, registration.kind)(**kwargs)
    if kwargs.get("formdata", True) is None:
        form.fill_from(registration)
    return form


def choices_context(registration: Registration, form: ChoicesForm | None = None) -> dict:
    """What the personal page shows of the slots and the waiting lists."""
    event = registration.event
    entries = entries_of(registration)
    return {
        "slots": slots_for(event, registration.kind) if registration.is_active else [],
        "choices_form": form or choices_form(registration, formdata=None),
        "choices_open": event.choices_open(clock.now()),
        "chosen": {c.part_id: c.option for c in registration.choices},
        "seats": seats_left_by_option(event),
        "entries": [(entry, entry_position(entry), make_token("waiting", entry))
                    for entry in entries],
    }


def _home(registration: Registration, token: str, *, form=None, notice=None, status=200):
    """The personal page, or for htmx its choices section."""
    from flask_wtf import FlaskForm

    return render("participant/_choices.html", "participant/home.html", status=status,
                  registration=registration, event=registration.event, token=token,
                  form=FlaskForm(), notice=notice, **participant_view(registration),
                  **choices_context(registration, form))


@bp.post("/p/<token>/choices")
@transactional
def change(token: str):
    """Change one's options (and join the waiting list of a full one)."""
    from webapp.participant.routes import _registration

    registration = _registration(token)
    form = choices_form(registration)
    try:
        if not form.validate() or not form.check_required(seats_left_by_option(
                registration.event)):
            return _home(registration, token, form=form, status=422)
        change_choices(registration, form.chosen())
        _join_lists(registration, form)
    except OptionFull as error:
        form.show_full(error.option, error.message)
        return _home(registration, token, form=form, status=error.status)
    except DomainError as error:
        return _home(registration, token, form=form, notice=error.message, status=error.status)
    flash(_("Your choices are saved."), "success")
    return redirect_to(url_for("participant.home", token=token) + "#choices")


def _join_lists(registration: Registration, form: ChoicesForm) -> None:
    """The waiting lists the form asked for (only on site: web choices take no seat)."""
    if registration.kind is not RegistrationKind.ON_SITE:
        return
    for option in form.waits():
        join_waiting_list(registration.event, WaitingKind.OPTION, name=registration.name,
                          email=registration.email, organisation=registration.organisation,
                          language=registration.language, registration=registration,
                          option=option)


@bp.post("/p/<token>/waiting/<int:entry_id>/leave")
@transactional
def leave_list(token: str, entry_id: int):
    """Leave one of one's waiting lists."""
    from webapp.participant.routes import _registration

    registration = _registration(token)
    entry = next((e for e in entries_of(registration) if e.id == entry_id), None)
    if entry is None:
        abort(404)
    leave_waiting_list(entry)
    flash(_("You left the waiting list."), "success")
    return redirect_to(url_for("participant.home", token=token) + "#choices")
