"""gunicorn's logger without tokens in the access log.

Only gunicorn loads this (``logger_class`` in deploy/gunicorn.conf.py), so the
mail worker and the CLI never import gunicorn.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from webapp.logs import redact


class GunicornLogger(Logger):
    """gunicorn's logger with tokens removed from the access log."""

    def access(self, resp, req, environ, request_time):
        environ = dict(environ)
        for key in ("RAW_URI", "PATH_INFO", "HTTP_REFERER"):
            if key in environ:
                environ[key] = redact(environ[key])
        super().access(resp, req, environ, request_time)
