"""A slot's options in the programme editor (add, edit, reorder, remove), and the lists
of who chose each option: counts per option, and a printable list for the room's door.
"""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from webapp.db import transactional
from webapp.extensions import db
from webapp.forms.options import OptionForm
from webapp.htmx import redirect_to
from webapp.manage import bp
from webapp.manage.access import event_or_404, part_or_404
from webapp.models import (
    OptionChoice,
    Registration,
    RegistrationKind,
    RegistrationStatus,
)
from webapp.services.event_editing import InvalidEvent
from webapp.services.options import seats_taken
from webapp.services.slot_editing import (
    add_option,
    check_option,
    move_option,
    remove_option,
    update_option,
)
from webapp.services.waiting_view import waiting_counts


def _option_or_404(event_id: int, part_id: int, option_id: int):
    """The event, the slot and one of its options, or 404."""
    event, part = part_or_404(event_id, part_id)
    option = next((o for o in part.options if o.id == option_id), None)
    if option is None:
        abort(404)
    return event, part, option


def _editor(event, part, *, forms=None, new_form=None, status=200):
    """The slot's options, each as a form, and a form for one more."""
    forms = forms or {}
    for option in part.options:
        if option.id not in forms:
            forms[option.id] = OptionForm(formdata=None, prefix=f"option-{option.id}")
            forms[option.id].fill_from(option)
    return render_template(
        "manage/options/slot.html", event=event, part=part, forms=forms,
        new_form=new_form or OptionForm(formdata=None, prefix="new"), status=status), status


@bp.get("/events/<int:event_id>/programme/<int:part_id>/options")
def slot_options(event_id: int, part_id: int):
    """The options of one part (with options, a part is a slot)."""
    return _editor(*part_or_404(event_id, part_id))


@bp.post("/events/<int:event_id>/programme/<int:part_id>/options/new")
@transactional
def new_option(event_id: int, part_id: int):
    """Add an option to the slot."""
    event, part = part_or_404(event_id, part_id)
    form = OptionForm(prefix="new")
    try:
        if not form.validate():
            raise InvalidEvent({})
        add_option(part, check_option(part, form.document()))
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _editor(event, part, new_form=form, status=422)
    flash(_("The option is added."), "success")
    return redirect_to(url_for("manage.slot_options", event_id=event.id, part_id=part.id))


@bp.post("/events/<int:event_id>/programme/<int:part_id>/options/<int:option_id>")
@transactional
def save_option(event_id: int, part_id: int, option_id: int):
    """Save one option (a raised seat limit offers the seats to its waiting list)."""
    event, part, option = _option_or_404(event_id, part_id, option_id)
    form = OptionForm(prefix=f"option-{option.id}")
    try:
        if not form.validate():
            raise InvalidEvent({})
        update_option(option, check_option(part, form.document()))
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _editor(event, part, forms={option.id: form}, status=422)
    flash(_("The option is saved."), "success")
    return redirect_to(url_for("manage.slot_options", event_id=event.id, part_id=part.id)
                       + f"#option-{option.id}")


@bp.post("/events/<int:event_id>/programme/<int:part_id>/options/<int:option_id>/<move>")
@transactional
def move_or_remove_option(event_id: int, part_id: int, option_id: int, move: str):
    """Move an option up or down in its slot, or remove it."""
    event, part, option = _option_or_404(event_id, part_id, option_id)
    if move == "up":
        move_option(option, -1)
    elif move == "down":
        move_option(option, +1)
    elif move == "delete":
        removed = remove_option(option)
        flash(_("The option is removed.") + (" " + _(
            "%(count)d participants had chosen it: they choose again on their page.",
            count=removed) if removed else ""), "success")
    else:
        abort(404)
    return redirect_to(url_for("manage.slot_options", event_id=event.id, part_id=part.id))


@bp.get("/events/<int:event_id>/options")
def option_lists(event_id: int):
    """Every slot's options with their seats taken, limits and waiting lists."""
    event = event_or_404(event_id)
    ids = [o.id for part in event.slots for o in part.options]
    return render_template("manage/options/index.html", event=event,
                           taken=seats_taken(ids) if ids else {}, waiting=waiting_counts(event),
                           web=_web_choices(ids))


def _web_choices(option_ids: list[int]) -> dict[int, int]:
    """Web participants following each (streamed) option."""
    if not option_ids:
        return {}
    return dict(db.session.execute(
        select(OptionChoice.option_id, func.count(OptionChoice.id))
        .join(Registration, Registration.id == OptionChoice.registration_id)
        .where(OptionChoice.option_id.in_(option_ids),
               Registration.kind == RegistrationKind.WEB,
               Registration.status == RegistrationStatus.REGISTERED)
        .group_by(OptionChoice.option_id)).all())


@bp.get("/events/<int:event_id>/options/<int:option_id>")
def option_list(event_id: int, option_id: int):
    """Who chose one option, by name: a printable list for the room's door (one query)."""
    event = event_or_404(event_id)
    option = next((o for part in event.slots for o in part.options if o.id == option_id), None)
    if option is None:
        abort(404)
    people = db.session.execute(
        select(Registration.name, Registration.organisation, Registration.kind)
        .join(OptionChoice, OptionChoice.registration_id == Registration.id)
        .where(OptionChoice.option_id == option.id,
               Registration.status == RegistrationStatus.REGISTERED)
        .order_by(Registration.name)).all()
    return render_template("manage/options/list.html", event=event, option=option,
                           on_site=[p for p in people if p.kind is RegistrationKind.ON_SITE],
                           on_web=[p for p in people if p.kind is RegistrationKind.WEB])
