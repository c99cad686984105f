"""Logs without secrets: signed tokens in paths are replaced before anything is written."""

from __future__ import annotations

import logging
import re

# /p/<token>, /watch/<token>, /confirm/<token> and anything below them.
_TOKEN_IN_PATH = re.compile(r"/(p|watch|confirm)/[^/\s?\"]+")


def redact(text: str) -> str:
    """``/watch/WzEs...`` -> ``/watch/[token]``."""
    return _TOKEN_IN_PATH.sub(lambda m: f"/{m.group(1)}/[token]", text)


class RedactTokens(logging.Filter):
    """A logging filter that removes tokens from the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def install_redaction() -> None:
    """Redact the development server's access log (werkzeug)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())


try:  # gunicorn is only there in production (and for the tests and benchmarks)
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = None

if _GunicornLogger is not None:

    class GunicornLogger(_GunicornLogger):
        """gunicorn's logger with tokens removed from the access log
        (``logger_class = "webapp.logs.GunicornLogger"``, see deploy/gunicorn.conf.py)."""

        def access(self, resp, req, environ, request_time):
            environ = dict(environ)
            for key in ("RAW_URI", "PATH_INFO", "HTTP_REFERER"):
                if key in environ:
                    environ[key] = redact(environ[key])
            super().access(resp, req, environ, request_time)
