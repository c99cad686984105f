"""The app answers only to its own host names (Flask's TRUSTED_HOSTS, set in production).

Without the list, a request for ``Host: evil.example`` to a path missing its slash was
redirected to evil.example, and absolute links built during the request named it too.
A request for another host gets a plain 400 before any other hook runs: nothing can be
built for it (Flask has no URL adapter for an untrusted host, so not even the error page).
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import SecurityError


def refuse_untrusted_host() -> None:
    """Stop a request whose host is not trusted before the other hooks see it."""
    if request.routing_exception is not None and isinstance(
            request.routing_exception, SecurityError):
        raise request.routing_exception


def untrusted_host(error: SecurityError):
    """A plain answer: the site's pages cannot be built for a host it does not serve."""
    return _("This site does not answer to that host name."), 400, {
        "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """The check runs first of all request hooks (CSRF's included)."""
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.register_error_handler(SecurityError, untrusted_host)
