"""Emails rendered when they are queued, for messages that no single registration
renders: a waiting list's steps (the person may have no registration yet) and a
series' one confirmation (it is about several registrations).

The row holds the whole message in ``context`` ({"to", "subject", "text", "html",
"reply_to", and the .ics if any}), as ``notify_data_deleted`` does; the worker sends
it as it is (mail/message.py ``_prebuilt``) and then keeps only its subject. Each row
still has an idempotency key, so the same step is never mailed twice.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp import clock
from webapp.extensions import db, insert_or_skip
from webapp.models import (
    Event,
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    SeriesSignup,
    WaitingEntry,
    WaitingKind,
)
from webapp.templating import translated
from webapp.tokens import make_token


def _in_mail_context():
    """A request context for absolute URLs (the worker's timed jobs run without one)."""
    if has_request_context():
        return nullcontext()
    from webapp.mail.render import mail_context

    return mail_context(current_app._get_current_object())


def enqueue_prebuilt(kind: MailKind, key: str, *, event: Event, to: str, language: str | None,
                     template: str, subject, context: dict, ics: bytes | None = None) -> bool:
    """Render ``email/<template>.txt/.html`` in ``language`` (else the event's) and queue
    the message for ``to``; ``subject`` is called in that language. True if added."""
    with _in_mail_context(), force_locale(language or event.language):
        values = {"to": to, "reply_to": event.contact_email, "subject": subject(),
                  "text": render_template(f"email/{template}.txt", event=event, **context),
                  "html": render_template(f"email/{template}.html", event=event, **context)}
    if ics is not None:
        values.update(ics=ics.decode(), ics_name=event.slug, ics_method="PUBLISH")
    now = clock.now()
    statement = insert_or_skip(OutboxMessage).values({
        "idempotency_key": key, "kind": kind, "registration_id": None, "event_id": event.id,
        "context": values, "status": MailStatus.QUEUED, "due_at": now, "attempts": 0,
        "created_at": now}).on_conflict_do_nothing(index_elements=["idempotency_key"])
    db.session.flush()
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1


# --- the waiting lists -----------------------------------------------------------------


def list_name(entry: WaitingEntry) -> str:
    """What the person waits for, in the current language."""
    if entry.kind is WaitingKind.WEB:
        return _("a web place")
    if entry.kind is WaitingKind.ON_SITE:
        return _("a seat on site")
    return _("a seat in %(option)s", option=_option_name(entry.option))


def _option_name(option) -> str:
    title = translated(option, "title")
    return f"{option.label}: {title}" if option.label else title


def _waiting_email(kind: MailKind, entry: WaitingEntry, key: str, subject) -> bool:
    """One step of a waiting list, to the person in it, with their signed link;
    ``subject(title)`` is called in the message's language."""
    from webapp.services.waiting_view import entry_position

    event = entry.event
    with _in_mail_context():
        links = {"entry": url_for("participant.waiting_entry",
                                  token=make_token("waiting", entry), _external=True),
                 "event": url_for("public.event_page", slug=event.slug, _external=True)}
    return enqueue_prebuilt(
        kind, key, event=event, to=entry.email, language=entry.language, template=kind.value,
        subject=lambda: subject(translated(event, "title")),
        context={"entry": entry, "links": links, "position": entry_position(entry),
                 "zone": event.zone, "what": _What(entry)})


class _What:
    """The list's name, rendered in the message's language when the template asks."""

    def __init__(self, entry: WaitingEntry) -> None:
        self.entry = entry

    def __str__(self) -> str:
        return list_name(self.entry)

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))


def notify_waiting_joined(entry: WaitingEntry, again: bool = False) -> bool:
    """You are on the waiting list (``again``: you already were; at most once per
    RESEND_LINK_INTERVAL_MINUTES)."""
    key = f"waiting-joined:{entry.id}" + (f":{_bucket()}" if again else "")
    return _waiting_email(MailKind.WAITING_JOINED, entry, key,
                          lambda title: _("On the waiting list: %(title)s", title=title))


def notify_waiting_offer(entry: WaitingEntry) -> bool:
    """A place is held for you until the offer expires: accept it through the link."""
    key = f"waiting-offer:{entry.id}:{int(entry.offered_at.timestamp())}"
    return _waiting_email(MailKind.WAITING_OFFER, entry, key,
                          lambda title: _("A place for you: %(title)s", title=title))


def notify_waiting_accepted(entry: WaitingEntry) -> bool:
    """You took the offered seat of an option."""
    return _waiting_email(MailKind.WAITING_ACCEPTED, entry, f"waiting-accepted:{entry.id}",
                          lambda title: _("Your seat is confirmed: %(title)s", title=title))


def notify_waiting_lapsed(entry: WaitingEntry) -> bool:
    """The offer ran out unanswered; it went to the next person."""
    return _waiting_email(MailKind.WAITING_LAPSED, entry, f"waiting-lapsed:{entry.id}",
                          lambda title: _("Your offer has expired: %(title)s", title=title))


def notify_waiting_moved(entry: WaitingEntry) -> bool:
    """A coordinator moved you (or someone next to you) in line: your place now."""
    key = f"waiting-moved:{entry.id}:{int(clock.now().timestamp() * 1000)}"
    return _waiting_email(MailKind.WAITING_MOVED, entry, key,
                          lambda title: _("Your place in line: %(title)s", title=title))


def notify_waiting_left(entry: WaitingEntry) -> bool:
    """You left the waiting list."""
    return _waiting_email(MailKind.WAITING_LEFT, entry, f"waiting-left:{entry.id}",
                          lambda title: _("You left the waiting list: %(title)s", title=title))


def _bucket() -> int:
    """The current RESEND_LINK_INTERVAL_MINUTES interval: a repeated answer (the same
    person joining or signing up again) is mailed at most once per interval."""
    interval = max(current_app.config["RESEND_LINK_INTERVAL_MINUTES"], 1) * 60
    return int(clock.now().timestamp()) // interval


# --- a series --------------------------------------------------------------------------


def notify_series_confirmed(signup: SeriesSignup, registrations: list[Registration],
                            waiting: list[WaitingEntry], first: Event) -> bool:
    """One email for a series sign-up: each event's date and time (and the waiting
    lists joined), the personal series link, and one .ics with every event's parts
    (the same UIDs as each event's own calendar file)."""
    from webapp.calendar import registrations_calendar

    series = signup.series
    with _in_mail_context():
        link = url_for("participant.series_home", token=make_token("series", signup),
                       _external=True)
        series_link = url_for("public.series_page", slug=series.slug, _external=True)
    active = [r for r in registrations if r.followable_parts]
    with force_locale(signup.language or first.language):
        ics = registrations_calendar(active) if active else None
    what = ",".join([f"r{r.id}" for r in registrations] + [f"w{w.id}" for w in waiting])
    digest = hashlib.sha256(what.encode()).hexdigest()[:12]
    return enqueue_prebuilt(
        MailKind.SERIES_CONFIRMATION, f"series-confirmation:{signup.id}:{digest}:{_bucket()}",
        event=first,
        to=signup.email, language=signup.language, template="series_confirmation",
        subject=lambda: _("Registered: %(title)s", title=series.title),
        context={"signup": signup, "series": series, "registrations": registrations,
                 "waiting": waiting, "link": link, "series_link": series_link}, ics=ics)
