"""Emails to coordinators about their account (sent through the outbox)."""

from __future__ import annotations

from webapp.models import User


def send_password_setup(user: User) -> None:
    """A link to choose a password (Flask-Security's reset link, valid for
    SECURITY_RESET_PASSWORD_WITHIN), queued in the caller's transaction."""
    from flask_security.recoverable import send_reset_password_instructions

    send_reset_password_instructions(user)
