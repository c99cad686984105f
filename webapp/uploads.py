"""Large request bodies for the routes that take a material's file, and for no other.

Every other request stays under MAX_CONTENT_LENGTH (64 kB). The upload routes take
MATERIAL_MAX_MB and a little more for the form around the file, from a signed-in
coordinator only (nobody else can make the app read that much). The limit is raised
before any other hook reads the body (CSRF's check reads the form).
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

#: The endpoints that take a file.
UPLOAD_ENDPOINTS = frozenset({"manage.add_file_material", "manage.save_material"})
#: Room for the form's other fields and the multipart framing.
FORM_MARGIN = 256 * 1024


def allow_large_upload() -> None:
    """Raise this request's body limit on the upload routes (Flask >= 3.1)."""
    if request.endpoint in UPLOAD_ENDPOINTS and current_user.is_authenticated:
        request.max_content_length = (
            current_app.config["MATERIAL_MAX_MB"] * 1024 * 1024 + FORM_MARGIN)


def init_app(app: Flask) -> None:
    """Run before the other request hooks (before CSRF's check reads the form)."""
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_upload)
