"""Registrations of an event: the table (active search, filters, sort, pages, bulk
actions), one person's page and the actions on them."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.db import transactional
from webapp.forms.registration_admin import (
    ActionForm,
    BulkForm,
    CancelRegistrationForm,
    EraseForm,
    ResendForm,
    new_batch,
)
from webapp.htmx import is_htmx, redirect_to, render
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.privacy import personal_data
from webapp.services.registration_admin import (
    Filters,
    bulk_action,
    cancel_by_coordinator,
    erase_person,
    person_details,
    registration_counts,
    registration_or_none,
    registrations_page,
    reissue_links,
    resend_link,
)


def _table(event, filters: Filters, *, bulk_form=None, result=None, status=200):
    """The table page, or for htmx the rows partial it includes (without the counts)."""
    counts = None if is_htmx() else registration_counts(event)
    return render("manage/registrations/_rows.html", "manage/registrations/index.html",
                  status=status, event=event, filters=filters, result=result, counts=counts,
                  listing=registrations_page(event, filters, counts), batch=new_batch(),
                  bulk_form=bulk_form or BulkForm(formdata=None))


@bp.get("/events/<int:event_id>/registrations")
def registrations(event_id: int):
    """Everyone registered, searched, filtered, sorted and paged."""
    return _table(event_or_404(event_id), Filters.from_args(request.args))


@bp.post("/events/<int:event_id>/registrations/bulk")
@transactional
def bulk_registrations(event_id: int):
    """One action on the ticked rows; the result is announced above the table."""
    event = event_or_404(event_id)
    form, filters = BulkForm(), Filters.from_args(request.form)
    if not form.validate():
        return _table(event, filters, bulk_form=form, status=422)
    done, refused = bulk_action(event, form.ids.data, form.action.data, form.batch.data)
    result = ngettext("Done for %(num)d registration.", "Done for %(num)d registrations.", done)
    if refused:
        result += " " + ngettext("%(num)d was left as it was (cancelled or erased).",
                                 "%(num)d were left as they were (cancelled or erased).", refused)
    if is_htmx():
        return _table(event, filters, result=result)
    flash(result, "success")
    return redirect_to(url_for("manage.registrations", event_id=event.id, **filters.args()))


def _person_or_404(event_id: int, registration_id: int):
    """The event and one of its registrations, or 404."""
    event = event_or_404(event_id)
    registration = registration_or_none(event, registration_id)
    if registration is None:
        abort(404)
    return event, registration


def _person_page(event, registration, status=200, **context):
    """The person's page: registration, every email, views per part, actions."""
    emails, views = person_details(registration)
    context.setdefault("cancel_form", CancelRegistrationForm(formdata=None))
    return render_template("manage/registrations/show.html", event=event,
                           registration=registration, emails=emails, views=views,
                           batch=new_batch(), action_form=ActionForm(formdata=None),
                           **context), status


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>")
def registration(event_id: int, registration_id: int):
    """One person."""
    return _person_page(*_person_or_404(event_id, registration_id))


def _act(event, registration, action, done: str):
    """Run an action on one person; a refusal is shown on their page."""
    try:
        action()
    except DomainError as error:
        return _person_page(event, registration, status=error.status, notice=error.message)
    flash(done, "success")
    return redirect_to(url_for("manage.registration", event_id=event.id,
                               registration_id=registration.id))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/resend")
@transactional
def resend(event_id: int, registration_id: int):
    """Send the person's link again (once per press of the button)."""
    event, registration = _person_or_404(event_id, registration_id)
    form = ResendForm()
    if not form.validate():
        return _person_page(event, registration, status=422,
                            notice=_("The form has expired. Please reload the page."))
    return _act(event, registration, lambda: resend_link(registration, form.batch.data),
                _("The link is on its way (see the emails below)."))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/cancel")
@transactional
def cancel_registration(event_id: int, registration_id: int):
    """Cancel the registration, with or without an email."""
    event, registration = _person_or_404(event_id, registration_id)
    form = CancelRegistrationForm()
    return _act(event, registration,
                lambda: cancel_by_coordinator(registration, notify=form.notify.data),
                _("The registration is cancelled."))


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/reissue")
@transactional
def reissue(event_id: int, registration_id: int):
    """Revoke the person's links and email new ones."""
    event, registration = _person_or_404(event_id, registration_id)
    return _act(event, registration, lambda: reissue_links(registration),
                _("The old links no longer work; the new ones are on their way."))


@bp.route("/events/<int:event_id>/registrations/<int:registration_id>/erase",
          methods=["GET", "POST"])
@transactional
def erase(event_id: int, registration_id: int):
    """Erase the person's data (GDPR Art. 17), after a confirmation step."""
    event, registration = _person_or_404(event_id, registration_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return render_template("manage/registrations/erase.html", event=event,
                               registration=registration, form=form), \
            422 if form.is_submitted() else 200
    return _act(event, registration, lambda: erase_person(registration),
                _("The person's data is erased; the counts stay."))


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>/data.json")
@transactional
def person_data(event_id: int, registration_id: int):
    """Everything kept about the person (GDPR Art. 15), as a JSON file."""
    event, registration = _person_or_404(event_id, registration_id)
    record_action("registration.export_data", event=event, target=f"registration {registration.id}")
    response = make_response(json.dumps(personal_data(registration), ensure_ascii=False, indent=2))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="registration-{registration.id}.json"'
    return response
