"""Small files of each kind a coordinator may upload (and some they may not), and a
helper that attaches one to an event as the editor would."""

from __future__ import annotations

import io
import zipfile

from webapp.extensions import db
from webapp.filetypes import detect, safe_filename
from webapp.services.event_spec import MaterialFields
from webapp.services.materials import Upload, add_material

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_OOXML = "application/vnd.openxmlformats-officedocument."


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def ooxml(main: str) -> bytes:
    """An OOXML container whose main part has content type ``main``."""
    manifest = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/ppt/presentation.xml" ContentType="{main}"/></Types>')
    return _zip({"[Content_Types].xml": manifest.encode(), "ppt/presentation.xml": b"<p/>"})


PPTX = ooxml(f"{_OOXML}presentationml.presentation.main+xml")
DOCX = ooxml(f"{_OOXML}wordprocessingml.document.main+xml")
PPTM = ooxml("application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml")
ODP = _zip({"mimetype": b"application/vnd.oasis.opendocument.presentation",
            "content.xml": b"<office:document-content/>"})
ODG = _zip({"mimetype": b"application/vnd.oasis.opendocument.graphics"})
PLAIN_ZIP = _zip({"notes.txt": b"hello"})
HTML = b"<!doctype html><script>alert(1)</script>"


def ole(stream: str) -> bytes:
    """An OLE compound file whose directory (second sector) names one stream."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)
    name = stream.encode("utf-16-le") + b"\0\0"
    entry = name.ljust(64, b"\0") + len(name).to_bytes(2, "little") + b"\x02"
    return header + entry.ljust(128, b"\0") + bytes(384)


PPT = ole("PowerPoint Document")
DOC = ole("WordDocument")
XLS = ole("Workbook")


def attach_file(event, data: bytes = PDF, *, name: str = "Rapport för 2024.pdf", part=None,
                **fields):
    """``data`` attached to ``event`` as an uploaded material (committed)."""
    file_type = detect(data)
    spec = MaterialFields.model_validate({"title": "Uploaded report", **fields})
    material = add_material(event, spec, part=part,
                            upload=Upload(data, file_type, safe_filename(name, file_type)))
    db.session.commit()
    return material
