"""Rendering an outbox row into an email, at send time, in the event's language."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mail import Message

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
        "event": url_for("public.event_page", slug=row.event.slug, _external=True),
    }


def build_message(row: OutboxMessage, attended_live: bool | None = None) -> Message:
    """The email for ``row``: plain text and HTML, headers, the .ics where it belongs."""
    event, registration = row.event, row.registration
    with force_locale(event.language):
        context = {
            "row": row, "event": event, "registration": registration, "links": links(row),
            "zone": event.zone, "parts": registration.followable_parts,
            "attended_live": attended_live, "minutes": (row.context or {}).get("minutes"),
        }
        template = f"email/{row.kind.value}"
        message = Message(
            subject=_subject(row),
            recipients=[registration.email],
            body=render_template(f"{template}.txt", **context),
            html=render_template(f"{template}.html", **context),
            sender=current_app.config["MAIL_DEFAULT_SENDER"],
            reply_to=next((c.email for c in event.contacts if c.email), None),
            date=clock.now().timestamp(),
            extra_headers={"Auto-Submitted": "auto-generated", "Content-Language": event.language},
        )
        if row.kind is MailKind.CONFIRMATION and registration.followable_parts:
            message.attach(f"{event.slug}.ics", "text/calendar; charset=utf-8; method=PUBLISH",
                           registration_calendar(registration))
    message.msgId = message_id(row)
    return message
