"""Writing emails into the outbox, in the caller's transaction.

Every function here adds rows and never commits: the state change and the
email it causes are committed together by the request or command. Each row has
an idempotency key, so enqueueing the same message twice keeps one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import String, cast, literal, select

from webapp import clock
from webapp.extensions import db, insert_or_skip
from webapp.models import (
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    RegistrationKind,
    RegistrationStatus,
)


def enqueue_email(kind: MailKind, registration: Registration, key: str, *,
                  due_at: datetime | None = None, context: dict | None = None) -> bool:
    """Add one message unless its key is already there; True if it was added."""
    now = clock.now()
    statement = insert_or_skip(OutboxMessage).values({
        "idempotency_key": key, "kind": kind, "registration_id": registration.id,
        "event_id": registration.event_id, "context": context or {},
        "status": MailStatus.QUEUED, "due_at": due_at or now, "attempts": 0, "created_at": now,
    }).on_conflict_do_nothing(index_elements=["idempotency_key"])
    db.session.flush()
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount == 1


def enqueue_for_registrations(kind: MailKind, key_prefix: str, registrations, *,
                              context: dict | None = None) -> int:
    """One message per registration selected by ``registrations`` (a select of
    Registration.id, Registration.event_id, Registration.token_version), in one
    INSERT ... SELECT; keys are ``<prefix>:<id>:v<token version>``."""
    now = clock.now()
    rows = registrations.subquery()
    key = (literal(f"{key_prefix}:") + cast(rows.c.id, String) + literal(":v")
           + cast(rows.c.token_version, String))
    source = select(
        key, literal(kind.value), rows.c.id, rows.c.event_id,
        literal(context or {}, OutboxMessage.context.type), literal("queued"),
        literal(now, OutboxMessage.due_at.type), literal(0),
        literal(now, OutboxMessage.created_at.type),
    ).where(rows.c.id.is_not(None))
    statement = insert_or_skip(OutboxMessage).from_select(
        ["idempotency_key", "kind", "registration_id", "event_id", "context", "status",
         "due_at", "attempts", "created_at"], source,
    ).on_conflict_do_nothing(index_elements=["idempotency_key"])
    db.session.flush()
    return db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def versioned_key(name: str, registration: Registration) -> str:
    """``name:<id>:v<token version>``: a new version (re-registration) mails again."""
    return f"{name}:{registration.id}:v{registration.token_version}"


# --- one function per email ----------------------------------------------------


def notify_registration_confirmed(registration: Registration, key_suffix: str = "") -> None:
    """Confirmation with the participant link and the .ics; the stream link too if due
    (``key_suffix``: a second confirmation of the same registration, e.g. on site)."""
    name = f"confirmation-{key_suffix}" if key_suffix else "confirmation"
    enqueue_email(MailKind.CONFIRMATION, registration, versioned_key(name, registration))
    if stream_link_is_due(registration.event):
        notify_stream_link(registration)


def notify_confirm_email(registration: Registration) -> None:
    """Double opt-in: the link that confirms the address."""
    enqueue_email(MailKind.CONFIRM_EMAIL, registration,
                  versioned_key("confirm-email", registration))


def notify_stream_link(registration: Registration) -> None:
    """The personal stream link."""
    enqueue_email(MailKind.STREAM_LINK, registration, versioned_key("stream-link", registration))


def notify_cancellation(registration: Registration) -> None:
    """The registration was cancelled."""
    enqueue_email(MailKind.CANCELLATION, registration, versioned_key("cancellation", registration))


def notify_link_resent(registration: Registration) -> bool:
    """"Already registered": the link again, at most once per interval."""
    interval = max(current_app.config["RESEND_LINK_INTERVAL_MINUTES"], 1) * 60
    bucket = int(clock.now().timestamp()) // interval
    kind = (MailKind.CONFIRM_EMAIL if registration.status.value == "pending"
            else MailKind.RESEND_LINK)
    return enqueue_email(kind, registration, f"resend-link:{registration.id}:{bucket}")


def stream_link_is_due(event) -> bool:
    """The stream-link time of ``event`` has come (a set lead before its first streamed part)."""
    first = event.first_streamed_part
    if first is None:
        return False
    lead = timedelta(hours=current_app.config["STREAM_LINK_LEAD_HOURS"])
    return clock.now() >= first.starts_at - lead


def notify_event_cancelled(event, message: str = "") -> int:
    """The whole event is cancelled: one email to everyone registered (with the
    coordinators' message). Returns how many were queued."""
    return enqueue_for_registrations(
        MailKind.EVENT_CANCELLED, f"event-cancelled-{event.id}", _registered(event),
        context={"message": message} if message else None)


def notify_programme_changed(event, part, old_starts_at, old_ends_at) -> int:
    """A part's time changed: everyone registered who follows it hears of it, with the
    old and new times and an updated calendar entry. Returns how many were queued."""
    registrations = _registered(event)
    if not part.is_public_stream:
        registrations = registrations.where(Registration.kind == RegistrationKind.ON_SITE)
    context = {"part_id": part.id, "old_starts_at": old_starts_at.isoformat(),
               "old_ends_at": old_ends_at.isoformat(), "revision": event.revision}
    return enqueue_for_registrations(
        MailKind.PROGRAMME_CHANGED, f"programme-changed-{part.id}-r{event.revision}",
        registrations, context=context)


def _registered(event):
    """The event's active registrations, as ``enqueue_for_registrations`` takes them."""
    return select(Registration.id, Registration.event_id, Registration.token_version).where(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.REGISTERED)


def enqueue_account_email(user, to: str, *, template: str, subject: str, text: str,
                          html: str | None) -> None:
    """An email to a coordinator, already rendered by Flask-Security (a password reset
    link, a notice). The worker sends it as it is and then blanks its text."""
    now = clock.now()
    db.session.add(OutboxMessage(
        idempotency_key=f"account:{template.rsplit('/', 1)[-1]}:{secrets.token_hex(8)}",
        kind=MailKind.ACCOUNT, user_id=getattr(user, "id", None), status=MailStatus.QUEUED,
        context={"to": to, "subject": subject, "text": text, "html": html or ""},
        due_at=now, attempts=0, created_at=now))
    db.session.flush()


def enqueue_prebuilt(kind: MailKind, event, key: str, values: dict) -> int | None:
    """A message rendered now (``values``: ``to``, ``subject``, ``text``, ``html``,
    ``reply_to``), to someone with no registration (an invited person). Unless ``key``
    is already there; returns the row's id, or None when the key was there. Once
    sent, the row keeps only its subject."""
    now = clock.now()
    statement = insert_or_skip(OutboxMessage).values({
        "idempotency_key": key, "kind": kind, "event_id": event.id, "context": values,
        "status": MailStatus.QUEUED, "due_at": now, "attempts": 0, "created_at": now,
    }).on_conflict_do_nothing(index_elements=["idempotency_key"])
    db.session.flush()
    if db.session.execute(statement.execution_options(preserve_rowcount=True)).rowcount != 1:
        return None
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.idempotency_key == key))


def notify_data_deleted(registration) -> None:
    """The person deleted their registration and data: a last email saying so, with the
    calendar entries cancelled. It is rendered now, in their language, because the
    registration it would be rendered from is about to go; once sent, the outbox keeps
    only its subject."""
    from flask import render_template, url_for
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from webapp.calendar import registration_calendar
    from webapp.templating import translated

    event = registration.event
    with force_locale(registration.language or event.language):
        context = {"event": event, "registration": registration, "zone": event.zone,
                   "parts": [], "links": {"event": url_for(
                       "public.event_page", slug=event.slug, _external=True)}}
        values = {
            "to": registration.email, "reply_to": event.contact_email,
            "subject": _("Your data is deleted: %(title)s", title=translated(event, "title")),
            "text": render_template("email/data_deleted.txt", **context),
            "html": render_template("email/data_deleted.html", **context),
        }
        if registration.is_active and registration.followable_parts:
            values.update(ics=registration_calendar(registration, cancel=True).decode(),
                          ics_name=event.slug, ics_method="CANCEL")
    now = clock.now()
    db.session.add(OutboxMessage(
        idempotency_key=f"data-deleted:{registration.id}:{secrets.token_hex(6)}",
        kind=MailKind.DATA_DELETED, event_id=event.id, status=MailStatus.QUEUED,
        context=values, due_at=now, attempts=0, created_at=now))


# --- coordinators' mail (webapp/manage/) ------------------------------------------


def notify_links_reissued(registration: Registration) -> None:
    """A coordinator revoked the person's links: the new ones (key of the new version)."""
    enqueue_email(MailKind.LINKS_REISSUED, registration,
                  versioned_key("links-reissued", registration))


def notify_stream_link_to_everyone(event) -> int:
    """The stream link now to every active web participant who has not had it. The keys
    are the scheduled job's (``stream-link:<id>:v<version>``), so whoever sends first,
    the coordinator (twice, in two tabs) or the worker, each person gets it once."""
    return enqueue_for_registrations(
        MailKind.STREAM_LINK, "stream-link",
        _registered(event).where(Registration.kind == RegistrationKind.WEB))


def notify_custom_message(registrations, batch: str, subject: str, text: str) -> int:
    """A coordinator's own message to the registrations selected by ``registrations``
    (as ``enqueue_for_registrations`` takes them); one key per batch and registration,
    so sending the same form twice sends once. Returns how many were queued."""
    return enqueue_for_registrations(MailKind.CUSTOM, f"custom-{batch}", registrations,
                                     context={"subject": subject, "text": text})


def enqueue_rendered_email(kind: MailKind, to: str, *, event, key: str, subject: str,
                           text: str, html: str, reply_to: str | None = None) -> None:
    """An email rendered when queued, to someone who is not a registration (an order of a
    printed copy to the event's contact, its confirmation to the reader): sent as it is,
    like account mail, with ``reply_to`` when given; ``key`` starts its idempotency key."""
    now = clock.now()
    db.session.add(OutboxMessage(
        idempotency_key=f"{key}:{secrets.token_hex(8)}", kind=kind, event_id=event.id,
        status=MailStatus.QUEUED, due_at=now, attempts=0, created_at=now,
        context={"to": to, "subject": subject, "text": text, "html": html,
                 "reply_to": reply_to or ""}))
    db.session.flush()
