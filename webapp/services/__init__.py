"""Domain functions (verb_noun). They flush but never commit: the caller does."""


class DomainError(Exception):
    """A rule of the domain refused the action; ``message`` is user-facing text.

    ``status`` is the HTTP status a route answers with.
    """

    status = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
