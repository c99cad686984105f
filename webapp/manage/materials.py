"""The materials editor: list an event's materials, add a file or a link, edit, delete.

Without JavaScript every action is a plain form and a full page; with htmx adding and
deleting re-render the editor in place. A file over MATERIAL_MAX_MB is refused with
413 and the message at the file field, whether the app read it or not.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.db import transactional
from webapp.downloads import file_response
from webapp.errors.handlers import render_error
from webapp.forms.materials import EditFileMaterialForm, FileMaterialForm, LinkMaterialForm
from webapp.htmx import is_htmx, redirect_to, render
from webapp.manage import bp
from webapp.manage.access import event_or_404, material_or_404
from webapp.services.event_editing import InvalidEvent
from webapp.services.materials import (
    add_material,
    check_material,
    check_upload,
    delete_material,
    too_large_message,
    update_material,
)


def _editor(event, *, file_form=None, link_form=None, status=200, done=None, file_notice=None):
    """The editor page, or for htmx the editor it includes."""
    return render("manage/materials/_editor.html", "manage/materials/index.html", status=status,
                  event=event, done=done, file_notice=file_notice,
                  file_form=file_form or FileMaterialForm(event, formdata=None, prefix="file"),
                  link_form=link_form or LinkMaterialForm(event, formdata=None, prefix="link"))


def _edit_page(event, material, form, status=200):
    return render_template("manage/materials/edit.html", event=event, material=material,
                           form=form), status


def _edit_form(event, material, **kwargs):
    cls = EditFileMaterialForm if material.is_file else LinkMaterialForm
    return cls(event, prefix=f"material-{material.id}", **kwargs)


def _checked(form, *, link: bool):
    """(description, upload or None) of a sent form, or InvalidEvent with every problem."""
    valid, problems, spec, upload = form.validate(), {}, None, None
    try:
        spec = check_material(form.document(), link=link)
    except InvalidEvent as error:
        problems |= error.problems
    if not link and form.file.data:
        try:
            upload = check_upload(form.file.data.stream, form.file.data.filename or "")
        except InvalidEvent as error:
            problems |= error.problems
    if problems or not valid:
        raise InvalidEvent(problems)
    return spec, upload


@bp.get("/events/<int:event_id>/materials")
def materials(event_id: int):
    """The event's materials, and the forms to add one."""
    return _editor(event_or_404(event_id))


@bp.post("/events/<int:event_id>/materials/file")
@transactional
def add_file_material(event_id: int):
    """Upload a file (its type read from its content)."""
    event = event_or_404(event_id)
    form = FileMaterialForm(event, prefix="file")
    try:
        spec, upload = _checked(form, link=False)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _editor(event, file_form=form, status=422)
    add_material(event, spec, part=form.chosen_part(), upload=upload)
    return _done(event, _("The file is added."))


@bp.post("/events/<int:event_id>/materials/link")
@transactional
def add_link_material(event_id: int):
    """Add a link to a publication."""
    event = event_or_404(event_id)
    form = LinkMaterialForm(event, prefix="link")
    try:
        spec, _upload = _checked(form, link=True)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _editor(event, link_form=form, status=422)
    add_material(event, spec, part=form.chosen_part())
    return _done(event, _("The link is added."))


@bp.get("/events/<int:event_id>/materials/<int:material_id>/edit")
def edit_material(event_id: int, material_id: int):
    """One material as a form."""
    event, material = material_or_404(event_id, material_id)
    form = _edit_form(event, material, formdata=None)
    form.fill_from(material)
    return _edit_page(event, material, form)


@bp.post("/events/<int:event_id>/materials/<int:material_id>")
@transactional
def save_material(event_id: int, material_id: int):
    """Save a material's description (and its new file or address)."""
    event, material = material_or_404(event_id, material_id)
    form = _edit_form(event, material)
    try:
        spec, upload = _checked(form, link=not material.is_file)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return _edit_page(event, material, form, 422)
    update_material(material, spec, part=form.chosen_part(), upload=upload)
    flash(_("The material is saved."), "success")
    return redirect_to(url_for("manage.materials", event_id=event.id))


@bp.get("/events/<int:event_id>/materials/<int:material_id>/file")
def material_file(event_id: int, material_id: int):
    """The uploaded file, as the coordinators check it (whoever may open it)."""
    _event, material = material_or_404(event_id, material_id)
    if not material.is_file:
        abort(404)
    return file_response(material, public=False)


@bp.post("/events/<int:event_id>/materials/<int:material_id>/delete")
@transactional
def delete_material_view(event_id: int, material_id: int):
    """Remove a material."""
    event, material = material_or_404(event_id, material_id)
    delete_material(material)
    return _done(event, _("The material is removed."))


def _done(event, message: str):
    """The editor again for htmx (saying what was done), or back to it."""
    if is_htmx():
        return _editor(event, done=message)
    flash(message, "success")
    return redirect_to(url_for("manage.materials", event_id=event.id))


@bp.errorhandler(413)
def too_large(error):
    """A file far over the limit (the app did not read it): the form again, the message
    at the file field."""
    endpoint, args = request.endpoint, request.view_args or {}
    if not current_user.is_authenticated or endpoint not in {"manage.add_file_material",
                                                             "manage.save_material"}:
        return render_error(413)
    if endpoint == "manage.save_material":
        event, material = material_or_404(args["event_id"], args["material_id"])
        form = _edit_form(event, material, formdata=None)
        form.fill_from(material)
        form.file.errors = [too_large_message()]
        return _edit_page(event, material, form, 413)
    event = event_or_404(args["event_id"])
    form = FileMaterialForm(event, formdata=None, prefix="file")
    form.file.errors = [too_large_message()]
    # htmx does not swap a 413: the page script shows this notice in the form instead.
    return _editor(event, file_form=form, status=413, file_notice=too_large_message())
