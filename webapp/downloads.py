"""Serving an uploaded material's bytes from the database.

Every file goes out as an attachment with its checked content type and ``nosniff``:
a browser never renders an upload as a page of this site. Public files may be kept
by caches and browsers (``Cache-Control: public``) and are revalidated with their
ETag (the SHA-256 of the bytes) or their time of change; a conditional GET that
matches answers 304 without reading the bytes. Private files are ``no-store``.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response, current_app, request
from sqlalchemy import select
from werkzeug.http import is_resource_modified

from webapp.extensions import db
from webapp.models import Material, MaterialFile


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII ``filename`` every client reads and, for a name that
    is not plain ASCII, the exact name in ``filename*`` (RFC 6266 / RFC 5987)."""
    plain = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    plain = re.sub(r"[^A-Za-z0-9._ ()-]+", "_", plain).strip(" ._") or "download"
    value = f'attachment; filename="{plain}"'
    if plain != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def file_response(material: Material, *, public: bool) -> Response:
    """The material's file: cacheable and conditional when ``public``, else no-store."""
    etag = material.sha256 or ""
    headers = {"X-Content-Type-Options": "nosniff",
               "Content-Disposition": content_disposition(material.filename or "material")}
    if public:
        headers["Cache-Control"] = (
            f"public, max-age={current_app.config['MATERIAL_CACHE_SECONDS']}")
        if not is_resource_modified(request.environ, etag=etag,
                                    last_modified=material.updated_at):
            response = Response(status=304, headers=headers)
            response.set_etag(etag)
            return response
    else:
        headers["Cache-Control"] = "no-store"
    data = db.session.scalar(select(MaterialFile.data)
                             .where(MaterialFile.material_id == material.id))
    response = Response(bytes(data or b""), mimetype=material.content_type, headers=headers)
    if public:
        response.set_etag(etag)
        response.last_modified = material.updated_at
    return response
