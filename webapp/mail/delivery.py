"""Kept only for ``tests/conftest.py``, which imports ``drain`` from here (that file is
outside the mail work). The code is in smtp.py, batch.py and worker.py; remove this
module once conftest imports ``webapp.mail.worker``."""

from webapp.mail.worker import drain

__all__ = ["drain"]
