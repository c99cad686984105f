"""The SMTP connection, and the transports a batch is sent over.

A batch goes over one SMTP session (smtplib, opened at its first message with
Flask-Mail's settings and MAIL_TIMEOUT_SECONDS, so a dead server cannot hang a
worker). What goes wrong is sorted by the server's answer: worth trying again
later (4xx), never going to work (5xx, a refused recipient), or the connection
is gone (the rest of the batch waits for the next attempt). Without MAIL_SERVER
mail is kept in the app (LocalTransport): the outbox row is the kept copy.
"""

from __future__ import annotations

import smtplib
from email.message import Message
from typing import Protocol

from flask import current_app


class TemporaryFailure(Exception):
    """Worth trying again later (connection refused, 4xx)."""


class PermanentFailure(Exception):
    """Will never work (5xx, refused recipient)."""


class ConnectionLost(TemporaryFailure):
    """The connection is gone: the rest of the batch waits for the next attempt."""


class Transport(Protocol):
    """What a batch is sent over."""

    name: str  # recorded on each sent row: "smtp" or "local"

    def send(self, message: Message) -> None:
        """Send one message; raise TemporaryFailure or PermanentFailure."""

    def close(self) -> None:
        """End the session, if there is one."""


class MailSettings(Protocol):
    """Flask-Mail's settings of the app (``app.extensions["mail"]``, from MAIL_*)."""

    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None


def connect(settings: MailSettings, timeout: float) -> smtplib.SMTP:
    """An SMTP session as Flask-Mail's Connection opens one with ``settings`` (server,
    port, SSL or STARTTLS, login), with a timeout on the socket."""
    smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
    session = smtp_class(settings.server, settings.port, timeout=timeout)
    try:
        if settings.use_tls:
            session.starttls()
        if settings.username and settings.password:
            session.login(settings.username, settings.password)
    except BaseException:
        session.close()
        raise
    return session


class SmtpTransport:
    """One SMTP session for a batch, opened at the first message."""

    name = "smtp"

    def __init__(self, settings: MailSettings, timeout: float) -> None:
        self.settings, self.timeout = settings, timeout
        self.session: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        """Send one message; raise TemporaryFailure or PermanentFailure."""
        if self.session is None:
            self.session = self._open()
        try:
            self.session.send_message(message)
        except smtplib.SMTPNotSupportedError as error:  # an OSError too, so it comes first
            raise PermanentFailure(str(error)) from None  # a UTF-8 address, no SMTPUTF8
        except smtplib.SMTPRecipientsRefused as error:
            code, answer = next(iter(error.recipients.values()))
            raise _by_code(code, answer) from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code == 421:
                self.close(quit=False)
                raise ConnectionLost(_answer(error.smtp_code, error.smtp_error)) from None
            raise _by_code(error.smtp_code, error.smtp_error) from None
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            self.close(quit=False)
            raise ConnectionLost(f"connection: {error}") from None

    def _open(self) -> smtplib.SMTP:
        """The session, or ConnectionLost: whatever stops it opening (refused, timed out,
        TLS, a refused login) leaves the rest of the batch for the next attempt, rather
        than trying again, and logging in again, for every message."""
        try:
            return connect(self.settings, self.timeout)
        except smtplib.SMTPResponseException as error:
            answer = _answer(error.smtp_code, error.smtp_error)
            raise ConnectionLost(f"connection: {answer}") from None
        except OSError as error:  # smtplib's own errors are OSErrors too
            raise ConnectionLost(f"connection: {error}") from None

    def close(self, quit: bool = True) -> None:
        """End the SMTP session (``quit=False``: just drop the socket)."""
        if self.session is not None:
            try:
                if quit:
                    self.session.quit()
                else:
                    self.session.close()
            except (smtplib.SMTPException, OSError):
                pass
        self.session = None


class LocalTransport:
    """No MAIL_SERVER: messages are rendered and kept in the app, never sent."""

    name = "local"

    def send(self, message: Message) -> None:
        """Nothing leaves the machine; the outbox row is the kept copy."""

    def close(self) -> None:
        """Nothing to close."""


def _answer(code: int, text: bytes | str) -> str:
    """``550 No such user`` from an SMTP reply."""
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _by_code(code: int, text: bytes | str) -> Exception:
    """4xx is temporary, anything else is permanent."""
    answer = _answer(code, text)
    return TemporaryFailure(answer) if 400 <= code < 500 else PermanentFailure(answer)


def make_transport() -> Transport:
    """SMTP when MAIL_SERVER is configured (with Flask-Mail's settings and
    MAIL_TIMEOUT_SECONDS, read now: it is used in a thread without the app), otherwise
    keep mail locally."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        return LocalTransport()
    return SmtpTransport(current_app.extensions["mail"], config["MAIL_TIMEOUT_SECONDS"])
