"""Public pages rendered once per event revision, with each visitor's own values
filled in: the event page and the event list, the busiest pages in the hour before a
deadline.

A page is the same for every visitor who sees it in the same state: the event's
content (its ``revision``, which every change of the event or its ``EventContent``
raises), the reader's language, whether htmx asked for a fragment, and whatever the
route puts in the key (the sign-up window, the places left, the events listed). Only
two things differ per visitor: their CSRF token and their sign-up form's timing stamp.
So the page is rendered with placeholders for those two and kept; each request fills
in its own.

This goes one step below Flask-WTF: it renders the placeholder by putting it where
``generate_csrf`` keeps the request's token (``g.<WTF_CSRF_FIELD_NAME>``), then takes
that value away so the request gets its real token. tests/test_page_cache.py holds a
page served from the cache to the page Flask renders for the same visitor.

What invalidates an entry: any change of what its key holds. A value the page shows
that is not in the key would be shown stale — so a route must put every changing
figure (counts, places left) in the key. Pages that show flashed messages or form
errors are never cached.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf

from webapp.htmx import is_htmx

TOKEN_MARK = "WDCSRFTOKENWD"
STAMP_MARK = "WDSTAMPWD"
MAX_PAGES = 512

_pages: dict[tuple, str] = {}


def clear() -> None:
    """Forget every kept page (tests)."""
    _pages.clear()


def cached_page(key: tuple, render: Callable[[], str], stamp: Callable[[], str] | None = None
                ) -> str:
    """The page for ``key`` (rendered by ``render`` the first time), with this visitor's
    CSRF token and, if the page has a sign-up form, a fresh ``stamp()`` filled in.
    ``render`` must put STAMP_MARK where the form's stamp goes."""
    if session.get("_flashes"):
        return _filled(_render_with_marks(render), stamp)
    full_key = (*key, str(get_locale()), is_htmx())
    html = _pages.get(full_key)
    if html is None:
        html = _render_with_marks(render)
        if len(_pages) >= MAX_PAGES:
            _pages.clear()
        _pages[full_key] = html
    return _filled(html, stamp)


def _render_with_marks(render: Callable[[], str]) -> str:
    """``render()`` with the CSRF placeholder where the request's token goes."""
    name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    setattr(g, name, TOKEN_MARK)
    try:
        return render()
    finally:
        g.pop(name, None)


def _filled(html: str, stamp: Callable[[], str] | None) -> str:
    """This visitor's token, and a stamp of their own in each form of the page."""
    html = html.replace(TOKEN_MARK, generate_csrf())
    if stamp is None or STAMP_MARK not in html:
        return html
    first, *rest = html.split(STAMP_MARK)
    return first + "".join(stamp() + piece for piece in rest)
