"""The site's own address, as emails and calendar files name it."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from werkzeug.routing import IntegerConverter


def site_host() -> str:
    """The host name of BASE_URL, for Message-IDs and calendar UIDs."""
    return _host_of(current_app.config["BASE_URL"])


@lru_cache(maxsize=8)
def _host_of(url: str) -> str:
    return urlsplit(url).hostname or "localhost"


#: The largest id the databases' integer keys hold (PostgreSQL refuses to compare an
#: integer column with a number past 2**31 - 1: that was a 500).
MAX_ID = 2_147_483_647


class RowId(IntegerConverter):
    """The app's ``<int:...>``: at most MAX_ID unless a route says otherwise, so every
    id in a URL is one the database can compare (a larger one is a 404 like any
    unknown id)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_number(value) -> int:
    """A ``?page=`` value as a page from 1 (anything else, or beyond MAX_ID: 1)."""
    text = str(value or "")
    return max(int(text), 1) if text.isdigit() and int(text) <= MAX_ID else 1
