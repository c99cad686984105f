"""Logs without secrets: signed tokens in paths are replaced before anything is written."""

from __future__ import annotations

import logging
import re

from webapp.tokens import PURPOSES

# /p/<token>, /watch/<token>, ... (every path a signed link's token appears in).
_TOKEN_IN_PATH = re.compile(
    "(" + "|".join(re.escape(p.path_prefix) for p in PURPOSES.values()) + r")[^/\s?\"]+")


def redact(text: str) -> str:
    """``/watch/WzEs...`` -> ``/watch/[token]``."""
    return _TOKEN_IN_PATH.sub(lambda m: f"{m.group(1)}[token]", text)


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
    import os
    import sys
    import time

    from flask import g, request

    logger = logging.getLogger("webapp.requests")
    if not app.testing and not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False

    # Headers are read from the WSGI environ: werkzeug's ``headers.get`` raises and
    # catches an HTTP exception for every header that is missing, on every request.
    @app.before_request
    def start_timer() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request.environ.get("HTTP_X_REQUEST_ID", "")[:64] or os.urandom(8).hex()

    @app.after_request
    def log_request(response):
        if logger.isEnabledFor(logging.INFO):
            current, context = request._get_current_object(), g._get_current_object()
            started = getattr(context, "request_started", None)
            logger.info(json.dumps({
                "request_id": getattr(context, "request_id", None),
                "method": current.method,
                "path": redact(current.path),
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
                "htmx": current.environ.get("HTTP_HX_REQUEST") == "true",
            }))
        return response
