"""The programme editor: add, edit in place, reorder and remove parts.

Without JavaScript every action is a plain form and a full page; with htmx a part is
edited in place (its row swaps to a form and back) and moves re-render the list.
"""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from webapp.db import transactional
from webapp.forms.programme import PartForm
from webapp.htmx import is_htmx, redirect_to, render
from webapp.manage import bp
from webapp.manage.access import event_or_404, part_or_404
from webapp.services import DomainError
from webapp.services.event_editing import InvalidEvent
from webapp.services.programme import add_part, check_part, move_part, remove_part, update_part


def _editor(event, *, editing=None, form=None, new_form=None, status=200, notice=None):
    """The editor page, or for htmx the programme list it includes."""
    return render("manage/programme/_parts.html", "manage/programme/index.html", status=status,
                  event=event, editing=editing, form=form, notice=notice,
                  new_form=new_form or PartForm(formdata=None, prefix="new"))


@bp.get("/events/<int:event_id>/programme")
def programme(event_id: int):
    """The event's programme, part by part."""
    return _editor(event_or_404(event_id))


@bp.get("/events/<int:event_id>/programme/<int:part_id>")
def part_row(event_id: int, part_id: int):
    """One part as shown (htmx: back from editing it); the editor otherwise."""
    event, part = part_or_404(event_id, part_id)
    if is_htmx():
        return render_template("manage/programme/_part.html", event=event, part=part)
    return _editor(event)


@bp.get("/events/<int:event_id>/programme/<int:part_id>/edit")
def edit_part(event_id: int, part_id: int):
    """One part as a form, in place."""
    event, part = part_or_404(event_id, part_id)
    form = PartForm(formdata=None, prefix=f"part-{part.id}")
    form.fill_from(part)
    if is_htmx():
        return render_template("manage/programme/_part_form.html", event=event, part=part,
                               form=form)
    return _editor(event, editing=part, form=form)


@bp.post("/events/<int:event_id>/programme/<int:part_id>")
@transactional
def save_part(event_id: int, part_id: int):
    """Save one part; its row again (htmx) or the editor."""
    event, part = part_or_404(event_id, part_id)
    form = PartForm(prefix=f"part-{part.id}")
    try:
        if not form.validate():
            raise InvalidEvent({})
        told = update_part(part, check_part(event, form.document(), part),
                           notify=form.notify.data)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        if is_htmx():
            return render_template("manage/programme/_part_form.html", event=event, part=part,
                                   form=form), 422
        return _editor(event, editing=part, form=form, status=422)
    if told:
        flash(ngettext("%(num)d participant is being told of the new time.",
                       "%(num)d participants are being told of the new time.", told), "success")
    if is_htmx():
        return render_template("manage/programme/_part.html", event=event, part=part, told=told)
    return redirect_to(url_for("manage.programme", event_id=event.id))


@bp.post("/events/<int:event_id>/programme/new")
@transactional
def new_part(event_id: int):
    """Add a part at its place in time."""
    event = event_or_404(event_id)
    form = PartForm(prefix="new")
    try:
        if not form.validate():
            raise InvalidEvent({})
        add_part(event, check_part(event, form.document()))
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _editor(event, new_form=form, status=422)
    if is_htmx():
        return _editor(event)
    return redirect_to(url_for("manage.programme", event_id=event.id))


@bp.post("/events/<int:event_id>/programme/<int:part_id>/up")
@transactional
def move_up(event_id: int, part_id: int):
    """One place earlier in the programme."""
    _event, part = part_or_404(event_id, part_id)
    move_part(part, -1)
    return _after_change(event_id)


@bp.post("/events/<int:event_id>/programme/<int:part_id>/down")
@transactional
def move_down(event_id: int, part_id: int):
    """One place later in the programme."""
    _event, part = part_or_404(event_id, part_id)
    move_part(part, +1)
    return _after_change(event_id)


@bp.post("/events/<int:event_id>/programme/<int:part_id>/delete")
@transactional
def delete_part(event_id: int, part_id: int):
    """Remove a part."""
    event, part = part_or_404(event_id, part_id)
    try:
        remove_part(part)
    except DomainError as error:
        return _editor(event, notice=error.message, status=error.status)
    flash(_("The part is removed."), "success")
    return _after_change(event_id)


def _after_change(event_id: int):
    """The list again for htmx, or back to the editor."""
    if is_htmx():
        return _editor(event_or_404(event_id))
    return redirect_to(url_for("manage.programme", event_id=event_id))
