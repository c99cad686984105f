"""Rendering an outbox row's templates, at send time, in the language the participant
signed up in (else the event's).

Rendering is the costly part of a message, and all the messages of one kind to
one event are the same but for a few personal values. So each kind is rendered
once with placeholders for those values (``_Rendered``), and the values are
filled in per recipient (a mail merge). A worker keeps what it rendered across
batches in ``render_cache()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from webapp.models import MailKind, OutboxMessage, Registration
from webapp.tokens import EMAIL_LINKS, make_token


def _subject(row: OutboxMessage) -> str:
    """The subject line, in the current (the message's) language; a coordinators' own
    message has theirs."""
    if row.kind is MailKind.CUSTOM:
        return (row.context or {}).get("subject") or row.event.title
    return subject_of(row.kind, row.event)


def subject_of(kind: MailKind, event) -> str:
    """The subject line of a kind of message about ``event``, in the current language
    (also for messages rendered when queued: invitations)."""
    from webapp.templating import translated

    title = translated(event, "title")
    subjects = {
        MailKind.CONFIRMATION: _("Registered: %(title)s", title=title),
        MailKind.CONFIRM_EMAIL: _("Please confirm your registration: %(title)s", title=title),
        MailKind.STREAM_LINK: _("Your link to the stream: %(title)s", title=title),
        MailKind.REMINDER: _("Starting soon: %(title)s", title=title),
        MailKind.RECORDING: _("The recording is available: %(title)s", title=title),
        MailKind.CANCELLATION: _("Registration cancelled: %(title)s", title=title),
        MailKind.RESEND_LINK: _("Your personal link: %(title)s", title=title),
        MailKind.EVENT_CANCELLED: _("Cancelled: %(title)s", title=title),
        MailKind.PROGRAMME_CHANGED: _("Programme change: %(title)s", title=title),
        MailKind.LINKS_REISSUED: _("Your new personal links: %(title)s", title=title),
        MailKind.INVITATION: _("Invitation: %(title)s", title=title),
        MailKind.INVITATION_REMINDER: _("Reminder: will you attend %(title)s?", title=title),
        MailKind.SEAT_REFUSED: _("Your request for a seat: %(title)s", title=title),
    }
    return subjects[kind]


def mail_context(app: Flask):
    """A request context whose URLs are absolute under BASE_URL (for links in emails)."""
    return app.test_request_context(base_url=app.config["BASE_URL"] + "/")


# The personal values: the name and each link of EMAIL_LINKS (its token is personal).
_MARK = {key: f"\ue000{key}\ue001" for key in ("name", *EMAIL_LINKS)}
_TOKEN = "WDTOKENWD"  # upper case: no slug, host or token part can hold it


class _Placeholders:
    """The registration as templates see it, with the personal fields as placeholders."""

    def __init__(self, registration: Registration) -> None:
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

    def fill(self, registration: Registration) -> tuple[str, str]:
        """(text, html) for one recipient; HTML values are escaped."""
        values = {"name": registration.name}
        tokens: dict[str, str] = {}
        for key, url in self.links.items():
            purpose = EMAIL_LINKS[key].purpose
            if purpose not in tokens:
                tokens[purpose] = make_token(purpose, registration)
            values[key] = url.replace(_TOKEN, tokens[purpose])
        text, html = self.text, self.html
        for key, value in values.items():
            text = text.replace(_MARK[key], value)
            html = html.replace(_MARK[key], str(escape(value)))
        return text, html


def language_of(row: OutboxMessage) -> str:
    """The language a message is written in: the participant's, else the event's."""
    return (row.registration.language if row.registration else None) or row.event.language


def _render(row: OutboxMessage, attended_live: bool | None) -> _Rendered:
    """Render ``row``'s templates in its language, personal values left as placeholders."""
    event, registration = row.event, row.registration
    with force_locale(language_of(row)):
        context = {
            "row": row, "event": event, "registration": _Placeholders(registration),
            "links": {**{key: _MARK[key] for key in EMAIL_LINKS},
                      "event": url_for("public.event_page", slug=event.slug, _external=True)},
            "zone": event.zone, "parts": registration.followable_parts,
            "attended_live": attended_live, "minutes": (row.context or {}).get("minutes"),
            **_changed_part(row),
        }
        template = f"email/{row.kind.value}"
        text = render_template(f"{template}.txt", **context)
        html = render_template(f"{template}.html", **context)
        used = {key: url_for(link.endpoint, token=_TOKEN, _external=True)
                for key, link in EMAIL_LINKS.items() if _MARK[key] in text + html}
        return _Rendered(_subject(row), text, html, used)


def _changed_part(row: OutboxMessage) -> dict:
    """For a programme change: the part, and its old times."""
    values = row.context or {}
    if row.kind is not MailKind.PROGRAMME_CHANGED:
        return {}
    part = next((p for p in row.event.parts if p.id == values.get("part_id")), None)
    return {"changed_part": part,
            "old_starts_at": datetime.fromisoformat(values["old_starts_at"]),
            "old_ends_at": datetime.fromisoformat(values["old_ends_at"])}


class RenderCache(dict):
    """Rendered kinds of message. A worker keeps one across batches (``render_cache``)
    rather than rendering the templates again for each batch (about 2 ms each time). The
    key holds the event's revision, which any edit of the event, its parts or its
    contacts raises, so an edit reaches every message rendered after it."""

    MAX_ENTRIES = 64

    def get_rendered(self, row: OutboxMessage, attended_live: bool | None) -> _Rendered:
        """``row``'s kind of message for its event, rendered now or earlier."""
        event = row.event
        key = (row.kind, event.id, event.revision, event.created_at, row.registration.kind,
               row.registration.status, language_of(row),
               repr(sorted((row.context or {}).items())), attended_live)
        rendered = self.get(key)
        if rendered is None:
            if len(self) >= self.MAX_ENTRIES:
                self.clear()
            rendered = self[key] = _render(row, attended_live)
        return rendered


def render_cache() -> RenderCache:
    """The app's rendered kinds of message, kept while the worker runs."""
    return current_app.extensions.setdefault("mail_render_cache", RenderCache())
