"""One email for one outbox row, written by the standard library's email package.

``build_message`` fills the row's rendered kind of message (render.py) in for its
recipient, with the headers and, on the confirmation, the .ics. What it returns
is read by the local mailbox page as it is, and sent as ``as_mime()``: the
``email.mime`` classes, the addresses encoded by Flask-Mail's helper, as
Flask-Mail's Message builds its emails, which smtplib's ``send_message`` writes
out (CRLF line ends).

Why not ``email.message.EmailMessage``, or ``email.policy.SMTP`` on these: under
that policy the email package parses every header it stores or reads (the
Content-Type of each part, From and To as ``send_message`` reads them) and makes a
class for each one. Built as EmailMessage, 10 000 messages took the bench 27-30 s
and a worker 109 MB (the mail bench, now part of bench/run.py); built as here but under
policy.SMTP, a worker spent 2.4 ms of CPU per message, and 1.2 ms under the
default policy (compat32), which keeps header values as the strings given,
already encoded here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from email import encoders
from email.charset import BASE64, Charset
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import SMTP
from email.utils import format_datetime

from flask import current_app
from flask_babel import force_locale
from flask_mail import sanitize_address

from webapp import clock
from webapp.calendar import registration_calendar
from webapp.mail.render import RenderCache, language_of
from webapp.models import MailKind, OutboxMessage
from webapp.urls import site_host

# UTF-8 text in base64 (7-bit clean whatever the server). Flask-Mail registers UTF-8
# with no body encoding for every user of the email package (8bit lines of any length).
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.body_encoding = BASE64


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email."""

    filename: str
    content_type: tuple[str, str]  # ("text", "calendar")
    data: bytes
    params: dict[str, str] = field(default_factory=dict)  # more Content-Type parameters


@dataclass
class Email:
    """An email as composed for one recipient. The local mailbox page reads these
    fields, by the names Flask-Mail's Message gives them (``msgId``, ``body``)."""

    msgId: str
    subject: str
    sender: str
    recipients: list[str]
    reply_to: str | None
    date: datetime
    body: str  # plain text
    html: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)

    def as_mime(self) -> Message:
        """The email package's message: text and HTML as alternatives, in a
        multipart/mixed with the attachments if there are any."""
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(self.body, "plain", _UTF8_BASE64))
        message.attach(MIMEText(self.html, "html", _UTF8_BASE64))
        if self.attachments:
            message = MIMEMultipart("mixed", _subparts=[message])
            for attachment in self.attachments:
                message.attach(_attached(attachment))
        message["Subject"] = self.subject  # encoded where it must be, as it is written
        message["From"] = header_address(self.sender)
        message["To"] = ", ".join(header_address(to) for to in self.recipients)
        message["Date"] = format_datetime(self.date)
        message["Message-ID"] = self.msgId
        if self.reply_to:
            message["Reply-To"] = header_address(self.reply_to)
        for name, value in self.headers.items():
            message[name] = value
        if not all(address.isascii() for address in (message["From"], message["To"])):
            message.policy = SMTP  # a UTF-8 address: send_message needs it for SMTPUTF8
        return message


def header_address(address: str) -> str:
    """``address`` as Flask-Mail writes it in a header: the name encoded, a domain in
    IDNA (``anna@xn--exmple-cua.org``). A UTF-8 mailbox name, which it cannot write,
    is left as it is: ``send_message`` sends that with SMTPUTF8 if the server has it."""
    try:
        return sanitize_address(address)
    except UnicodeEncodeError:
        return address


def _attached(attachment: Attachment) -> MIMEBase:
    """An attachment part, as Flask-Mail writes one (base64)."""
    part = MIMEBase(*attachment.content_type, **attachment.params)
    part.set_payload(attachment.data)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def message_id(row: OutboxMessage) -> str:
    """A Message-ID that stays the same across retries of the row."""
    digest = hashlib.sha256(row.idempotency_key.encode()).hexdigest()[:16]
    return f"<wd.{row.id}.{digest}@{site_host()}>"


def build_message(row: OutboxMessage, attended_live: bool | None = None,
                  cache: RenderCache | None = None) -> Email:
    """The email for ``row``: plain text and HTML, headers, the .ics where it belongs."""
    if is_prebuilt(row):
        return _prebuilt(row)
    event, registration = row.event, row.registration
    rendered = (cache if cache is not None else RenderCache()).get_rendered(row, attended_live)
    text, html = rendered.fill(registration)
    language = language_of(row)
    email = Email(
        message_id(row),
        subject=rendered.subject,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        recipients=[registration.email],
        reply_to=event.contact_email or None,
        date=clock.now(),
        body=text,
        html=html,
        headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
    )
    method = CALENDAR_METHOD.get(row.kind)
    if method and registration.followable_parts:
        with force_locale(language):
            calendar = registration_calendar(registration, cancel=method == "CANCEL")
        email.attachments.append(calendar_attachment(event.slug, calendar, method))
    return email


#: Kinds that carry the participant's calendar entries: new or moved (PUBLISH, with a
#: higher SEQUENCE), or gone (CANCEL), so calendar programs follow.
CALENDAR_METHOD = {
    MailKind.CONFIRMATION: "PUBLISH",
    MailKind.PROGRAMME_CHANGED: "PUBLISH",
    MailKind.CANCELLATION: "CANCEL",
    MailKind.EVENT_CANCELLED: "CANCEL",
}


def calendar_attachment(slug: str, calendar: bytes, method: str) -> Attachment:
    """An .ics file as calendar programs take it from an email."""
    return Attachment(f"{slug}.ics", ("text", "calendar"), calendar,
                      {"charset": "utf-8", "method": method})


def is_prebuilt(row: OutboxMessage) -> bool:
    """A message rendered when it was queued (it has no registration to render for):
    a coordinator's account email, or one whose registration is gone."""
    return row.registration_id is None and "to" in (row.context or {})


def _prebuilt(row: OutboxMessage) -> Email:
    """The message as it was rendered when queued, with its calendar file if it has one."""
    values = row.context
    email = Email(
        message_id(row), subject=values["subject"],
        sender=current_app.config["MAIL_DEFAULT_SENDER"], recipients=[values["to"]],
        reply_to=values.get("reply_to") or None, date=clock.now(),
        body=values.get("text", ""), html=values.get("html") or values.get("text", ""),
        headers={"Auto-Submitted": "auto-generated"},
    )
    if values.get("ics"):
        email.attachments.append(calendar_attachment(
            values.get("ics_name", "event"), values["ics"].encode(), values.get("ics_method",
                                                                                "CANCEL")))
    return email
