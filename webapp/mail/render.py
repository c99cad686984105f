"""Rendering an outbox row into an email, at send time, in the event's language."""

from __future__ import annotations

import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from functools import lru_cache

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message, sanitize_address, sanitize_subject
from markupsafe import escape

from webapp import clock
from webapp.calendar import registration_calendar
from webapp.models import MailKind, OutboxMessage
from webapp.tokens import EMAIL_LINKS
from webapp.tokens import make_token as sign_token
from webapp.urls import site_host


def _subject(row: OutboxMessage) -> str:
    """The subject line, in the current (event's) language."""
    event = row.event
    title = event.title
    subjects = {
        MailKind.CONFIRMATION: _("Registered: %(title)s", title=title),
        MailKind.CONFIRM_EMAIL: _("Please confirm your registration: %(title)s", title=title),
        MailKind.STREAM_LINK: _("Your link to the stream: %(title)s", title=title),
        MailKind.REMINDER: _("Starting soon: %(title)s", title=title),
        MailKind.RECORDING: _("The recording is available: %(title)s", title=title),
        MailKind.CANCELLATION: _("Registration cancelled: %(title)s", title=title),
        MailKind.RESEND_LINK: _("Your personal link: %(title)s", title=title),
    }
    return subjects[row.kind]


def message_id(row: OutboxMessage) -> str:
    """A Message-ID that stays the same across retries of the row."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:16]
    return f"<wd.{row.id}.{digest}@{site_host()}>"


def mail_context(app):
    """A request context whose URLs are absolute under BASE_URL (for links in emails)."""
    return app.test_request_context(base_url=app.config["BASE_URL"] + "/")


# Personal values are rendered as placeholders once per batch and kind, then
# filled in per recipient (a mail merge): rendering is the costly part.
_MARK = {key: f"\ue000{key}\ue001" for key in ("name", "participant", "cancel", "watch", "confirm")}
_TOKEN = "WDTOKENWD"  # upper case: no slug, host or token part can hold it
# Which link needs which token, and the endpoint that serves it.
_LINKS = {name: (link.purpose, link.endpoint) for name, link in EMAIL_LINKS.items()}


class _Placeholders:
    """The registration as templates see it, with the personal fields as placeholders."""

    def __init__(self, registration) -> None:
        self._registration = registration
        self.name = _MARK["name"]

    def __getattr__(self, attribute: str):
        return getattr(self._registration, attribute)


@dataclass(frozen=True)
class _Rendered:
    """Subject, text and HTML of one kind of message with placeholders left in."""

    subject: str
    text: str
    html: str
    links: dict[str, str]  # link name -> absolute URL with _TOKEN where the token goes

    def fill(self, registration) -> tuple[str, str]:
        """(text, html) for one recipient; HTML values are escaped."""
        values = {"name": registration.name}
        tokens: dict[str, str] = {}
        for key, url in self.links.items():
            purpose = _LINKS[key][0]
            if purpose not in tokens:
                tokens[purpose] = sign_token(purpose, registration)
            values[key] = url.replace(_TOKEN, tokens[purpose])
        text, html = self.text, self.html
        for key, value in values.items():
            text = text.replace(_MARK[key], value)
            html = html.replace(_MARK[key], str(escape(value)))
        return text, html


def _render(row: OutboxMessage, attended_live: bool | None) -> _Rendered:
    """Render ``row``'s templates in the event's language, personal values left as placeholders."""
    event, registration = row.event, row.registration
    with force_locale(event.language):
        context = {
            "row": row, "event": event, "registration": _Placeholders(registration),
            "links": {**{key: _MARK[key] for key in _LINKS},
                      "event": url_for("public.event_page", slug=event.slug, _external=True)},
            "zone": event.zone, "parts": registration.followable_parts,
            "attended_live": attended_live, "minutes": (row.context or {}).get("minutes"),
        }
        template = f"email/{row.kind.value}"
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
        used = {key: url_for(endpoint, token=_TOKEN, _external=True)
                for key, (_purpose, endpoint) in _LINKS.items() if _MARK[key] in text + html}
        return _Rendered(_subject(row), text, html, used)


class RenderCache(dict):
    """Rendered kinds of message. A worker keeps one across batches (``render_cache``)
    rather than rendering the templates again for each batch (about 2 ms each time). The
    key holds the event's revision, which any edit of the event, its parts or its
    contacts raises, so an edit reaches every message rendered after it."""

    MAX_ENTRIES = 64

    def get_rendered(self, row: OutboxMessage, attended_live: bool | None) -> _Rendered:
        event = row.event
        key = (row.kind, event.id, event.revision, event.created_at, row.registration.kind,
               row.registration.status, repr(sorted((row.context or {}).items())), attended_live)
        rendered = self.get(key)
        if rendered is None:
            if len(self) >= self.MAX_ENTRIES:
                self.clear()
            rendered = self[key] = _render(row, attended_live)
        return rendered


def render_cache() -> RenderCache:
    """The app's rendered kinds of message, kept while the worker runs."""
    return current_app.extensions.setdefault("mail_render_cache", RenderCache())


class OutgoingMessage(Message):
    """Flask-Mail's message with a quicker serialisation of the common case.

    A message with a text and an HTML part and no attachment is written
    directly as multipart/alternative (base64 parts, headers encoded by
    Flask-Mail's own helpers); anything else goes through Flask-Mail and the
    email package. Building the email package's object tree costs more than
    everything else a worker does per message.
    """

    def __init__(self, msg_id: str, **fields) -> None:
        """As Flask-Mail's, with our Message-ID: Flask-Mail's own asks the resolver for
        the host's name (``socket.getfqdn``) on every message, which costs more than
        writing the whole message."""
        self.msgId = msg_id
        self.subject, self.sender = fields.pop("subject"), fields.pop("sender")
        self.recipients, self.body = fields.pop("recipients"), fields.pop("body")
        self.alts: dict[str, str] = {}
        self.html = fields.pop("html")
        self.reply_to, self.date = fields.pop("reply_to", None), fields.pop("date", None)
        self.extra_headers = fields.pop("extra_headers", None)
        if fields:
            raise TypeError(f"unexpected fields {sorted(fields)}")
        self.cc, self.bcc, self.attachments = [], [], []
        self.charset, self.mail_options, self.rcpt_options = None, [], []

    def as_bytes(self) -> bytes:
        if self.attachments or not self.html or self.cc or self.bcc:
            return self._slow_bytes()
        encoding = self.charset or "utf-8"
        boundary = f"=_wd_{secrets.token_hex(12)}"
        headers = [
            ("Subject", _encoded_subject(self.subject or "", encoding)),
            ("From", encoded_address(self.sender, encoding)),
            ("To", ", ".join(encoded_address(to, encoding) for to in self.recipients)),
            ("Date", _date_header(int(self.date))),
            ("Message-ID", self.msgId),
        ]
        if self.reply_to:
            headers.append(("Reply-To", encoded_address(self.reply_to, encoding)))
        headers.extend((self.extra_headers or {}).items())
        headers += [("MIME-Version", "1.0"),
                    ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
        lines = [f"{name}: {CRLF.join(str(value).splitlines())}" for name, value in headers]
        for subtype, content in (("plain", self.body or ""), ("html", self.html)):
            lines += ["", f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                      "Content-Transfer-Encoding: base64", "", _base64_lines(content)]
        lines += [f"--{boundary}--", ""]
        return CRLF.join(lines).encode("ascii")

    def _slow_bytes(self) -> bytes:
        return super().as_bytes()

    def envelope(self) -> tuple[str, list[str]]:
        """(MAIL FROM, RCPT TO) as Flask-Mail's connection would send them."""
        encoding = self.charset or "utf-8"
        return (encoded_address(self.sender, encoding),
                [encoded_address(to, encoding) for to in self.send_to])


CRLF = "\r\n"


def _base64_lines(content: str) -> str:
    """``content`` in UTF-8 as base64 lines of 76 characters (what base64.encodebytes
    writes, with CRLF line ends), encoded in one call rather than one per line."""
    encoded = binascii.b2a_base64(content.encode("utf-8"), newline=False).decode("ascii")
    return CRLF.join([encoded[start:start + 76] for start in range(0, len(encoded), 76)])


# An ASCII address of dot-atoms, which Flask-Mail's sanitize_address gives back unchanged
# (and smtplib's quoteaddr only puts in angle brackets).
PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")


def encoded_address(address: str, encoding: str = "utf-8") -> str:
    """``address`` as a header holds it (Flask-Mail's sanitize_address): plain addresses
    as they are, others (names, IDN) encoded once and remembered, since the sender and
    reply-to addresses are the same in every message of an event."""
    if isinstance(address, str) and PLAIN_ADDRESS.match(address):
        return address
    return _encoded_address(address, encoding)


@lru_cache(maxsize=512)
def _encoded_address(address: str | tuple[str, str], encoding: str) -> str:
    return sanitize_address(address, encoding)


@lru_cache(maxsize=4)
def _date_header(timestamp: int) -> str:
    """``Mon, 23 Nov 2026 08:00:00 +0000``, made once a second (asking the system for
    its local zone on every message costs more than the rest of the headers)."""
    return format_datetime(datetime.fromtimestamp(timestamp, timezone.utc))


@lru_cache(maxsize=512)
def _encoded_subject(subject: str, encoding: str) -> str:
    """The subject is the same for every participant of an event: encode it once."""
    return sanitize_subject(subject, encoding)


def build_message(row: OutboxMessage, attended_live: bool | None = None,
                  cache: RenderCache | None = None) -> Message:
    """The email for ``row``: plain text and HTML, headers, the .ics where it belongs."""
    event, registration = row.event, row.registration
    rendered = (cache if cache is not None else RenderCache()).get_rendered(row, attended_live)
    text, html = rendered.fill(registration)
    message = OutgoingMessage(
        message_id(row),
        subject=rendered.subject,
        recipients=[registration.email],
        body=text,
        html=html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        reply_to=next((c.email for c in event.contacts if c.email), None),
        date=clock.now().timestamp(),
        extra_headers={"Auto-Submitted": "auto-generated", "Content-Language": event.language},
    )
    if row.kind is MailKind.CONFIRMATION and registration.followable_parts:
        with force_locale(event.language):
            message.attach(f"{event.slug}.ics", "text/calendar; charset=utf-8; method=PUBLISH",
                           registration_calendar(registration))
    return message
