"""Materials for registered participants, opened through their own signed link."""

from __future__ import annotations

from flask import abort, redirect

from webapp.downloads import file_response
from webapp.errors.handlers import render_error
from webapp.extensions import db
from webapp.models import Material, Registration
from webapp.participant import bp
from webapp.participant.routes import _registration
from webapp.services.participant_materials import MaterialRefused, check_material_access


@bp.get("/p/<token>/materials/<int:material_id>")
def material(token: str, material_id: int):
    """A material of the participant's event, from their personal page."""
    return _open(_registration(token), material_id)


@bp.get("/watch/<token>/materials/<int:material_id>")
def watch_material(token: str, material_id: int):
    """The same, from the watch page (its own token)."""
    return _open(_registration(token, "watch"), material_id)


def _open(registration: Registration, material_id: int):
    """The file (no-store) or the link (a redirect), or a clear refusal: 404 for a
    material of another event, 403 for a cancelled registration, 410 after the expiry."""
    material = db.session.get(Material, material_id)
    if material is None or material.event_id != registration.event_id:
        abort(404)
    try:
        check_material_access(registration, material)
    except MaterialRefused as refusal:
        return render_error(refusal.status, refusal.message, refusal.title)
    if not material.is_file:
        return redirect(material.url, 303)
    return file_response(material, public=False)

