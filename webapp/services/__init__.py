"""Domain functions (verb_noun). They flush but never commit: the caller does."""


class DomainError(Exception):
    """A rule of the domain refused the action; ``message`` is user-facing text.

    ``status`` is the HTTP status a route answers with.
    """

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def commit_with_retry(action, attempts: int = 4):
    """Run ``action()`` and commit; run it again if the database asks for it.

    SQLite answers "database is locked" when another writer went first, and
    PostgreSQL may pick a transaction as a deadlock or serialisation victim:
    the whole unit of work is rolled back and done again, so users never see
    those errors. Domain errors pass through untouched (the caller rolls back).
    """
    import time

    from sqlalchemy.exc import OperationalError

    from webapp.extensions import db

    for attempt in range(attempts):
        try:
            result = action()
            db.session.commit()
            return result
        except OperationalError as error:
            db.session.rollback()
            retry = ("locked" in str(error.orig).lower()
                     or getattr(error.orig, "sqlstate", None) in {"40001", "40P01"})
            if not retry or attempt + 1 == attempts:
                raise
            time.sleep(0.02 * 2 ** attempt)
