"""The unit of work: run it, commit once, retry on lock conflicts, roll back on any error.

Services flush and never commit. The edge that called them (a route, a CLI
command, the mail worker) commits once, through this module:

- ``run(work)`` runs ``work()`` and commits; on any exception it rolls back and
  re-raises. When the database picks the transaction as the loser of a conflict
  (SQLite's "database is locked", PostgreSQL's serialisation failure or deadlock)
  the whole unit runs again, so users never see those errors.
- ``@transactional`` does the same for a whole view: the view's answer is
  committed when it is a success (status below 400) and rolled back otherwise, so
  a route that catches a ``DomainError`` and answers 409 leaves nothing half-written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import Response, session
from sqlalchemy.exc import DBAPIError

from webapp.extensions import db

T = TypeVar("T")

ATTEMPTS = 4
_CONFLICT_STATES = {"40001", "40P01"}  # PostgreSQL: serialisation failure, deadlock


def is_conflict(error: DBAPIError) -> bool:
    """The database refused the transaction because another one went first."""
    original = error.orig
    return ("database is locked" in str(original).lower()
            or getattr(original, "sqlstate", None) in _CONFLICT_STATES)


def run(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work()`` and commit; roll back on any error; run again on a conflict."""
    for attempt in range(attempts):
        try:
            result = work()
            db.session.commit()
            return result
        except DBAPIError as error:
            db.session.rollback()
            if not is_conflict(error) or attempt + 1 == attempts:
                raise
        except BaseException:
            db.session.rollback()
            raise
        time.sleep(0.02 * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def transactional(view: Callable[..., T]) -> Callable[..., T]:
    """Run a view as one unit of work: committed if it answers below 400, else rolled back."""

    @wraps(view)
    def unit(*args, **kwargs):
        flashes = len(session.get("_flashes", ()))

        def attempt():
            del session.get("_flashes", [])[flashes:]  # a retried view flashes once
            response = view(*args, **kwargs)
            if _status(response) >= 400:
                raise _Refused(response)
            return response

        try:
            return run(attempt)
        except _Refused as refused:
            return refused.response

    return unit


class _Refused(Exception):
    """Carries a view's error answer out of the unit of work, which rolls back."""

    def __init__(self, response) -> None:
        super().__init__()
        self.response = response


def _status(response) -> int:
    """The status of whatever a view returned (a Response, a string, or a tuple)."""
    if isinstance(response, Response):
        return response.status_code
    if isinstance(response, tuple) and len(response) > 1 and isinstance(response[1], int):
        return response[1]
    return 200
