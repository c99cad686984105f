"""Fingerprinted static URLs: ``static_url("css/site.css")`` -> ``/static/css/site.css?v=<hash>``.

nginx serves /static/ with a year's cache (``immutable``) when the URL carries ``v``;
a new file content is a new URL, so browsers never keep an old stylesheet or script.

The cache: each file's hash is computed once per process (at its first use) and kept
until the process ends; a deploy restarts (or reloads) the app servers, which is what
invalidates it. In debug mode (``make run``) it is computed on every call, so an edited
file shows at once. tests/test_static_urls.py holds the hash to the file's content.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, url_for


def static_url(filename: str) -> str:
    """The URL of a file under webapp/static/ with its content's hash as ``v``."""
    folder = current_app.static_folder
    fingerprint = (_content_hash.__wrapped__(folder, filename) if current_app.debug
                   else _content_hash(folder, filename))
    return url_for("static", filename=filename, v=fingerprint)


@lru_cache(maxsize=128)
def _content_hash(folder: str, filename: str) -> str:
    """The first 12 hex digits of the file's SHA-256."""
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:12]
