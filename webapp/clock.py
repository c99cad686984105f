"""The one source of "now" in the application.

Everything that needs the current time calls :func:`now`, so tests can move the
clock with time-machine and every deadline check sees the same instant.
"""

from datetime import datetime, timezone


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)
