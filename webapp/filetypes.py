"""What an uploaded file is, read from its content (never its name).

Accepted: PDF (``%PDF-`` at the start); the zip containers of OOXML (PowerPoint,
Word and Excel documents, named by the main part in ``[Content_Types].xml``, macro
variants refused) and of OpenDocument (named by their ``mimetype`` entry); and the
legacy PowerPoint and Word files (an OLE compound file holding a ``PowerPoint
Document`` or ``WordDocument`` stream). Anything else is refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
#: An OOXML manifest or an ODF mimetype larger than this is not one we read.
MAX_MANIFEST_BYTES = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    """A kind of file we serve: its extension and its content type."""

    extension: str
    content_type: str


PDF = FileType("pdf", "application/pdf")
_OOXML = "application/vnd.openxmlformats-officedocument."
OOXML_TYPES = {  # the main part's content type in [Content_Types].xml -> the file's
    f"{_OOXML}presentationml.presentation.main+xml": FileType(
        "pptx", f"{_OOXML}presentationml.presentation"),
    f"{_OOXML}presentationml.slideshow.main+xml": FileType(
        "ppsx", f"{_OOXML}presentationml.slideshow"),
    f"{_OOXML}wordprocessingml.document.main+xml": FileType(
        "docx", f"{_OOXML}wordprocessingml.document"),
    f"{_OOXML}spreadsheetml.sheet.main+xml": FileType("xlsx", f"{_OOXML}spreadsheetml.sheet"),
}
_ODF = "application/vnd.oasis.opendocument."
ODF_TYPES = {
    f"{_ODF}presentation": FileType("odp", f"{_ODF}presentation"),
    f"{_ODF}text": FileType("odt", f"{_ODF}text"),
    f"{_ODF}spreadsheet": FileType("ods", f"{_ODF}spreadsheet"),
}
OLE_STREAMS = {  # a stream that names the legacy format
    "PowerPoint Document": FileType("ppt", "application/vnd.ms-powerpoint"),
    "WordDocument": FileType("doc", "application/msword"),
}
CONTENT_TYPES = {t.content_type for t in (PDF, *OOXML_TYPES.values(), *ODF_TYPES.values(),
                                          *OLE_STREAMS.values())}


def detect(data: bytes) -> FileType | None:
    """The type of ``data``, or None when it is none of the accepted ones."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(ZIP_MAGIC):
        return _zip_type(data)
    if data.startswith(OLE_MAGIC):
        return _ole_type(data)
    return None


def _zip_type(data: bytes) -> FileType | None:
    """An OpenDocument (its ``mimetype``) or OOXML file (its main part's type)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = {info.filename: info for info in archive.infolist()}
            mimetype = entries.get("mimetype")
            if mimetype is not None and mimetype.file_size <= 200:
                return ODF_TYPES.get(archive.read(mimetype).decode("ascii", "replace").strip())
            manifest = entries.get("[Content_Types].xml")
            if manifest is None or manifest.file_size > MAX_MANIFEST_BYTES:
                return None
            text = archive.read(manifest).decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            EOFError, ValueError, RuntimeError):
        return None  # damaged, encrypted or using a compression zipfile cannot read
    main = re.findall(r'ContentType="([^"]+\.main\+xml)"', text)
    return next((OOXML_TYPES[t] for t in main if t in OOXML_TYPES), None)


def _ole_type(data: bytes) -> FileType | None:
    """A legacy Office file: a directory entry (128 bytes, aligned to 128 after the
    512-byte header) naming a known stream: its UTF-16 name with its terminator, that
    length at byte 64 and type 2 (a stream) at byte 66."""
    for name, file_type in OLE_STREAMS.items():
        encoded = name.encode("utf-16-le") + b"\0\0"
        start = 512
        while (at := data.find(encoded, start)) != -1:
            if (at % 128 == 0 and len(data) >= at + 67
                    and int.from_bytes(data[at + 64:at + 66], "little") == len(encoded)
                    and data[at + 66] == 2):
                return file_type
            start = at + 1
    return None


_UNSAFE = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')


def safe_filename(name: str, file_type: FileType, default: str = "material") -> str:
    """The name a file is served under: the uploaded name without any folder, control
    or reserved characters, at most 100 characters, with the extension of its real type."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    stem = re.sub(r"\s+", " ", _UNSAFE.sub("_", stem)).strip(" ._")[:100].strip(" ._")
    return f"{stem or default}.{file_type.extension}"
