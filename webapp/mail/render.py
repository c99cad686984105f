"""Rendering an outbox row into an email, at send time, in the event's language."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email import policy
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message
from markupsafe import escape

from webapp import clock
from webapp.calendar import registration_calendar
from webapp.models import MailKind, OutboxMessage
from webapp.tokens import make_token


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
    return f"<wd.{row.id}.{digest}@{mail_domain()}>"


def mail_domain() -> str:
    """The host name of BASE_URL, for Message-IDs and calendar UIDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def mail_context(app):
    """A request context whose URLs are absolute under BASE_URL (for links in emails)."""
    return app.test_request_context(base_url=app.config["BASE_URL"] + "/")


def links(row: OutboxMessage) -> dict[str, str]:
    """Absolute signed links for the message (needs a request context with BASE_URL)."""
    registration = row.registration
    participant = make_token("participant", registration)
    return {
        "participant": url_for("participant.home", token=participant, _external=True),
        "cancel": url_for("participant.confirm_cancel", token=participant, _external=True),
        "watch": url_for("participant.watch", token=make_token("watch", registration),
                         _external=True),
        "confirm": url_for("participant.confirm_email",
                           token=make_token("confirm-email", registration), _external=True),
    }


# Personal values are rendered as placeholders once per batch and kind, then
# filled in per recipient (a mail merge): rendering is the costly part.
_PERSONAL = ("name", "participant", "cancel", "watch", "confirm")
_MARK = {key: f"\ue000{key}\ue001" for key in _PERSONAL}


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

    def fill(self, values: dict[str, str]) -> tuple[str, str]:
        """(text, html) for one recipient; HTML values are escaped."""
        text, html = self.text, self.html
        for key, mark in _MARK.items():
            text = text.replace(mark, values[key])
            html = html.replace(mark, str(escape(values[key])))
        return text, html


def _render(row: OutboxMessage, attended_live: bool | None) -> _Rendered:
    """Render ``row``'s templates in the event's language, personal values left as placeholders."""
    event, registration = row.event, row.registration
    with force_locale(event.language):
        context = {
            "row": row, "event": event, "registration": _Placeholders(registration),
            "links": {**{key: _MARK[key] for key in _PERSONAL if key != "name"},
                      "event": url_for("public.event_page", slug=event.slug, _external=True)},
            "zone": event.zone, "parts": registration.followable_parts,
            "attended_live": attended_live, "minutes": (row.context or {}).get("minutes"),
        }
        template = f"email/{row.kind.value}"
        return _Rendered(_subject(row), render_template(f"{template}.txt", **context),
                         render_template(f"{template}.html", **context))


class RenderCache(dict):
    """Rendered kinds of message, for one batch (so edits reach the next batch)."""

    def get_rendered(self, row: OutboxMessage, attended_live: bool | None) -> _Rendered:
        key = (row.kind, row.event_id, row.registration.kind, row.registration.status,
               repr(sorted((row.context or {}).items())), attended_live)
        if key not in self:
            self[key] = _render(row, attended_live)
        return self[key]


class OutgoingMessage(Message):
    """Flask-Mail's message, serialised with the compat32 policy.

    Flask-Mail already encodes every header itself; the header-parsing policy
    it sets afterwards only costs time (about a millisecond a message).
    """

    def _message(self):
        msg = super()._message()
        msg.policy = _SMTP_COMPAT
        return msg


class _EncodedHeadersPolicy(policy.Compat32):
    """compat32, but headers that are already ASCII (Flask-Mail encoded them) are
    written as they are instead of being re-encoded, which costs most of the time."""

    def _fold(self, name, value, sanitize):
        if isinstance(value, str) and value.isascii() and len(value) < 900:
            return f"{name}: {self.linesep.join(value.splitlines())}{self.linesep}"
        return super()._fold(name, value, sanitize)


_SMTP_COMPAT = _EncodedHeadersPolicy(linesep="\r\n")


def build_message(row: OutboxMessage, attended_live: bool | None = None,
                  cache: RenderCache | None = None) -> Message:
    """The email for ``row``: plain text and HTML, headers, the .ics where it belongs."""
    event, registration = row.event, row.registration
    rendered = (cache if cache is not None else RenderCache()).get_rendered(row, attended_live)
    text, html = rendered.fill({"name": registration.name, **links(row)})
    message = OutgoingMessage(
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
    message.msgId = message_id(row)
    return message
