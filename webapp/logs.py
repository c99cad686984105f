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


def init_request_logging(app) -> None:
    """One JSON line per request: method, path (tokens redacted), status, duration.

    Neither query strings nor form data are logged, so no email address is.
    """
    import json
    import sys
    import time
    import uuid

    from flask import g, request

    logger = logging.getLogger("webapp.requests")
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex[:16]

    @app.after_request
    def log_request(response):
        if logger.isEnabledFor(logging.INFO):
            started = g.get("request_started")
            logger.info(json.dumps({
                "request_id": g.get("request_id"),
                "method": request.method,
                "path": redact(request.path),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "htmx": request.headers.get("HX-Request") == "true",
            }))
        return response
