"""Rate limits on the routes that ask for one (the sign-up POST), with `limits`.

`limits` keeps the counts (fixed windows per client address and route), in
memory or in Redis when RATELIMIT_STORAGE_URI names it, so that several app
servers share one count. Only a decorated route does any work: every other
request, the watch page above all, passes no rate-limit hook at all (the
Flask-Limiter extension this replaces checked and exempted each request in
hooks of its own, which cost the watch page about a tenth of its time).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)


class _Counts:
    """One app's storage and strategy (`limits` is imported when first needed:
    the mail worker and the CLI never are)."""

    def __init__(self, storage_uri: str) -> None:
        from limits.storage import storage_from_string
        from limits.strategies import FixedWindowRateLimiter

        self.storage = storage_from_string(storage_uri)
        self.strategy = FixedWindowRateLimiter(self.storage)

    def hit(self, limit: str, *identifiers: str) -> int | None:
        """Count one request: None if allowed, else the seconds until it would be."""
        from limits import parse

        item = parse(limit)
        if self.strategy.hit(item, *identifiers):
            return None
        reset_at = self.strategy.get_window_stats(item, *identifiers).reset_time
        return max(1, int(reset_at - time.time()) + 1)


class RateLimiter:
    """``@limiter.limit(lambda: "10 per minute")`` on a view; bound with ``init_app``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def init_app(self, app: Flask) -> None:
        """Counts are kept per app, in the storage RATELIMIT_STORAGE_URI names."""
        app.extensions.pop("ratelimit", None)  # made on first use, with the current setting

    def _counts(self) -> _Counts:
        app = current_app._get_current_object()
        counts = app.extensions.get("ratelimit")
        if counts is None:
            with self._lock:  # two first requests at once must share one storage
                counts = app.extensions.get("ratelimit")
                if counts is None:
                    counts = _Counts(app.config["RATELIMIT_STORAGE_URI"])
                    app.extensions["ratelimit"] = counts
        return counts

    def limit(self, value: Callable[[], str]):
        """At most ``value()`` requests per client address to the decorated view;
        more get 429 with Retry-After. A storage that cannot be reached lets the
        request through (logged): signing up must not fail because Redis is down."""

        def decorate(view):
            @wraps(view)
            def limited(*args, **kwargs):
                try:
                    wait = self._counts().hit(value(), request.endpoint or "",
                                              request.remote_addr or "unknown")
                except Exception:  # the storage (Redis) is unreachable, or the limit malformed
                    log.exception("rate limit check failed (storage unreachable or limit "
                                  "malformed); request allowed")
                    wait = None
                if wait is not None:
                    raise TooManyRequests(retry_after=wait)
                return view(*args, **kwargs)

            return limited

        return decorate

    def first_use(self, key: str, seconds: int) -> bool:
        """True the first time ``key`` is seen within ``seconds`` (kept in the same
        storage as the counts, so several app servers share it). A storage that cannot
        be reached answers True (logged): signing up must not fail because Redis is down."""
        try:
            return self._counts().storage.incr(f"once:{key}", max(int(seconds), 1)) == 1
        except Exception:
            log.exception("one-time check failed (storage unreachable); allowed")
            return True

    def reset(self) -> None:
        """Forget every count of the current app (tests)."""
        self._counts().storage.reset()
