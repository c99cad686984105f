"""Coordinators' view of an event's mail: the messages and their fate, retries, the
stream link sent now to everyone (with its progress), and their own messages."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update

from webapp import clock
from webapp.extensions import db
from webapp.mail.outbox import notify_custom_message, notify_stream_link_to_everyone
from webapp.models import (
    Event,
    EventStatus,
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
)
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.registration_admin import Filters, Page, filtered, search_text
from webapp.urls import page_number

PAGE_SIZE = 50
STATES = ("queued", "retrying", "sending", "sent", "failed", "skipped")
RETRYING = and_(OutboxMessage.status == MailStatus.QUEUED, OutboxMessage.attempts > 0,
                OutboxMessage.last_error.is_not(None))


@dataclass
class MailFilters:
    """The mail list's filters, from the query string (unknown values are ignored)."""

    kind: str = ""
    status: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args) -> MailFilters:
        kind, status = (args.get("kind") or "").strip(), (args.get("status") or "").strip()
        page = args.get("page", "1")
        return cls(kind=kind if kind in {k.value for k in MailKind} else "",
                   status=status if status in STATES else "",
                   q=search_text(args.get("q")),
                   page=page_number(page))

    def args(self, **changes) -> dict:
        values = {"kind": self.kind, "status": self.status, "q": self.q, "page": self.page,
                  **changes}
        return {k: v for k, v in values.items() if v not in ("", 1)}


def _conditions(event: Event, f: MailFilters) -> list:
    conditions = [OutboxMessage.event_id == event.id]
    if f.kind:
        conditions.append(OutboxMessage.kind == MailKind(f.kind))
    if f.status == "retrying":
        conditions.append(RETRYING)
    elif f.status:
        conditions.append(OutboxMessage.status == MailStatus(f.status))
    if f.q:
        text = f.q.lower()
        conditions.append(OutboxMessage.registration_id.in_(select(Registration.id).where(
            Registration.event_id == event.id,
            or_(func.lower(Registration.name).contains(text, autoescape=True),
                Registration.email.contains(text, autoescape=True)))))
    return conditions


def outbox_page(event: Event, f: MailFilters) -> Page:
    """The event's messages newest first, each with its recipient, in one query."""
    conditions = _conditions(event, f)
    total = db.session.scalar(select(func.count(OutboxMessage.id)).where(*conditions))
    rows = db.session.execute(
        select(OutboxMessage, Registration.name, Registration.email, Registration.purged_at)
        .outerjoin(Registration, Registration.id == OutboxMessage.registration_id)
        .where(*conditions).order_by(OutboxMessage.id.desc())
        .limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)).all()
    return Page(rows=rows, total=total or 0, number=f.page, size=PAGE_SIZE)


def mail_counts(event_ids) -> dict[int, dict[str, int]]:
    """Messages per state for each event, in two queries (the states counted from an
    index alone; "waiting to retry" among the queued only): {event id: {state: count}}."""
    counts: dict[int, dict[str, int]] = {}
    for event_id, status, number in db.session.execute(
            select(OutboxMessage.event_id, OutboxMessage.status, func.count())
            .where(OutboxMessage.event_id.in_(event_ids))
            .group_by(OutboxMessage.event_id, OutboxMessage.status)):
        counts.setdefault(event_id, dict.fromkeys(STATES, 0))[status.value] = number
    for event_id, number in db.session.execute(
            select(OutboxMessage.event_id, func.count())
            .where(OutboxMessage.event_id.in_(event_ids), RETRYING)
            .group_by(OutboxMessage.event_id)):
        counts[event_id]["queued"] -= number
        counts[event_id]["retrying"] = number
    return counts


def retry_failed(event: Event, message_id: int | None = None) -> int:
    """Put the event's failed messages (or one of them) back in the queue, due now and
    with their attempts reset; the server's last answer stays until one goes out."""
    conditions = [OutboxMessage.event_id == event.id, OutboxMessage.status == MailStatus.FAILED]
    if message_id is not None:
        conditions.append(OutboxMessage.id == message_id)
    count = db.session.execute(
        update(OutboxMessage).where(*conditions)
        .values(status=MailStatus.QUEUED, attempts=0, due_at=clock.now(),
                claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)).rowcount
    if message_id is not None and not count:
        raise DomainError(_("This message has not failed: there is nothing to retry."))
    record_action("mail.retry", event=event,
                  target=f"outbox {message_id}" if message_id else "", note=f"{count} messages")
    return count


def send_stream_link_now(event: Event) -> int:
    """The stream link now to everyone on the web who has not had it; returns how many
    were queued (0 the second time: the keys are the scheduled job's)."""
    if event.status is EventStatus.CANCELLED:
        raise DomainError(_("This event is cancelled: no stream link is sent."))
    if not event.streamed_parts:
        raise DomainError(_("Nothing of this event is streamed: there is no stream link."))
    count = notify_stream_link_to_everyone(event)
    record_action("mail.stream_link_now", event=event, note=f"{count} messages")
    return count


@dataclass
class Progress:
    """Where the stream-link mailing stands."""

    sent: int
    failed: int
    left: int
    rate: float

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.left

    @property
    def done(self) -> bool:
        return self.left == 0

    @property
    def seconds_left(self) -> int | None:
        """At the configured rate (per worker); None when there is no cap."""
        return round(self.left / self.rate) if self.rate > 0 else None


def stream_link_progress(event: Event) -> Progress:
    """Stream-link messages of the event sent, failed (or skipped) and still to go."""
    by_status = dict(db.session.execute(
        select(OutboxMessage.status, func.count(OutboxMessage.id))
        .where(OutboxMessage.event_id == event.id, OutboxMessage.kind == MailKind.STREAM_LINK)
        .group_by(OutboxMessage.status)).all())
    return Progress(
        sent=by_status.get(MailStatus.SENT, 0),
        failed=by_status.get(MailStatus.FAILED, 0) + by_status.get(MailStatus.SKIPPED, 0),
        left=by_status.get(MailStatus.QUEUED, 0) + by_status.get(MailStatus.SENDING, 0),
        rate=float(current_app.config["MAIL_RATE_PER_SECOND"]))


# --- a coordinator's own message ----------------------------------------------------


def message_recipients(event: Event, kind: str, watched: str):
    """Active registrations (not erased) of the chosen way of taking part and watching,
    as ``enqueue_for_registrations`` takes them."""
    f = Filters.from_args({"kind": kind, "watched": watched, "status": "registered"})
    return select(Registration.id, Registration.event_id, Registration.token_version).where(
        *filtered(event, f), Registration.purged_at.is_(None))


def preview_recipient(event: Event, kind: str, watched: str) -> tuple[Registration | None, int]:
    """One real recipient (the first by name) to preview with, and how many there are."""
    recipients = message_recipients(event, kind, watched).subquery()
    count = db.session.scalar(select(func.count()).select_from(recipients))
    first = db.session.scalar(select(Registration).where(Registration.id.in_(
        select(recipients.c.id))).order_by(Registration.name, Registration.id).limit(1))
    return first, count or 0


def send_custom_message(event: Event, *, kind: str, watched: str, subject: str, text: str,
                        batch: str) -> int:
    """Queue the message to each recipient, in the event's language; returns how many
    (0 when the same form is sent again)."""
    count = notify_custom_message(message_recipients(event, kind, watched), batch[:40],
                                  subject, text)
    record_action("mail.custom", event=event, note=f"{count} messages: {subject}",
                  changes={"recipients": [None, {"kind": kind or "all",
                                                 "watched": watched or "any"}]})
    return count

