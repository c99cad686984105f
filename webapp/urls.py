"""The site's own address, as emails and calendar files name it."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app


def site_host() -> str:
    """The host name of BASE_URL, for Message-IDs and calendar UIDs."""
    return _host_of(current_app.config["BASE_URL"])


@lru_cache(maxsize=8)
def _host_of(url: str) -> str:
    return urlsplit(url).hostname or "localhost"


#: A row id in a route: ``<{ID}:material_id>``. Bounded to what the databases' integer
#: keys hold, so a larger number is a 404 like any unknown id (PostgreSQL refuses to
#: compare an integer column with a number past 2**31 - 1: that was a 500).
ID = "int(max=2147483647)"
