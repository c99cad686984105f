"""Coordinators' changes to an event's materials: add a file or a link, edit, delete.

Descriptions are checked by the event format's own schema (``MaterialFields``,
``MaterialSpec``), so a material is valid the same way in a file and in the editor.
An upload's type is read from its bytes (webapp/filetypes.py). Each change is written
to the audit log; the caller's unit of work commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import update

from webapp.extensions import db
from webapp.filetypes import FileType, detect, safe_filename
from webapp.models import Event, Material, MaterialFile, ProgrammePart
from webapp.services.audit import changes_between, record_action, snapshot
from webapp.services.event_editing import InvalidEvent
from webapp.services.event_materials import MATERIAL_FIELDS, assign_material
from webapp.services.event_spec import MaterialFields, MaterialSpec, problems_of

AUDITED = (*MATERIAL_FIELDS, "url", "filename", "size", "part_id")


@dataclass(frozen=True)
class Upload:
    """An uploaded file whose type was read from its bytes."""

    data: bytes
    file_type: FileType
    filename: str


def max_bytes() -> int:
    """The largest file a coordinator may upload (MATERIAL_MAX_MB)."""
    return current_app.config["MATERIAL_MAX_MB"] * 1024 * 1024


def too_large_message() -> str:
    """What a coordinator reads when a file is over the limit."""
    return _("The file is larger than %(mb)d MB: please upload a smaller one.",
             mb=current_app.config["MATERIAL_MAX_MB"])


def check_upload(stream, name: str) -> Upload:
    """The uploaded file, or InvalidEvent on ``file``: empty, too large, or not a type
    we take (read from the content: a web page named .pdf is refused)."""
    limit = max_bytes()
    data = stream.read(limit + 1) if stream is not None else b""
    if not data:
        raise InvalidEvent({("file",): _("The file is empty.")})
    if len(data) > limit:
        raise InvalidEvent({("file",): too_large_message()})
    file_type = detect(data)
    if file_type is None:
        raise InvalidEvent({("file",): _(
            "This file is not a PDF, a presentation (PowerPoint, Impress) or a document "
            "(Word, Writer, Excel, Calc). Its type is read from its content, not its name.")})
    return Upload(data, file_type, safe_filename(name, file_type))


def check_material(document: dict, *, link: bool) -> MaterialFields:
    """The description (and for a link its address) as the event format checks it,
    or InvalidEvent naming each field."""
    schema = MaterialSpec if link else MaterialFields
    try:
        return schema.model_validate(document)
    except ValidationError as error:
        raise InvalidEvent(dict(problems_of(error))) from None


def add_material(event: Event, spec: MaterialFields, *, part: ProgrammePart | None = None,
                 upload: Upload | None = None) -> Material:
    """A new material at the end of the event's list: ``upload``'s file, or the link in
    ``spec``."""
    material = Material(event=event, part=part, position=len(event.materials))
    assign_material(material, spec)
    if upload is None:
        material.url = spec.url
    else:
        _describe_file(material, upload)
    db.session.add(material)
    db.session.flush()
    if upload is not None:
        db.session.add(MaterialFile(material_id=material.id, data=upload.data))
        db.session.flush()
    record_action("material.add", event=event, target=f"material {material.id}",
                  changes=changes_between({}, snapshot(material, AUDITED)))
    return material


def update_material(material: Material, spec: MaterialFields, *,
                    part: ProgrammePart | None, upload: Upload | None = None) -> dict:
    """Change a material's description, part, link or file; returns what changed."""
    before = snapshot(material, AUDITED)
    assign_material(material, spec)
    material.part = part
    if material.is_file and upload is not None:
        _describe_file(material, upload)
        db.session.execute(update(MaterialFile).where(MaterialFile.material_id == material.id)
                           .values(data=upload.data))
    elif not material.is_file:
        material.url = spec.url
    db.session.flush()
    changes = changes_between(before, snapshot(material, AUDITED))
    if changes:
        record_action("material.update", event=material.event,
                      target=f"material {material.id}", changes=changes)
    return changes


def delete_material(material: Material) -> None:
    """Remove a material (a file's bytes go with it)."""
    event = material.event
    record_action("material.remove", event=event, target=f"material {material.id}",
                  changes=changes_between(snapshot(material, AUDITED), {}))
    event.materials.remove(material)
    for position, each in enumerate(event.materials):
        each.position = position
    db.session.flush()


def _describe_file(material: Material, upload: Upload) -> None:
    material.filename, material.content_type = upload.filename, upload.file_type.content_type
    material.size, material.sha256 = len(upload.data), hashlib.sha256(upload.data).hexdigest()
