"""A batch of outbox rows: claimed, loaded and rendered, and its outcome recorded.

A worker claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers on
several machines never take the same row; on SQLite one worker runs at a time),
marks it "sending" with a lease, commits, sends the batch over one SMTP
connection, and writes the outcome of the whole batch in one transaction. A row
left "sending" by a crashed worker is taken back when its lease runs out, so at
most the batch in flight can go out twice; nothing is lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message
from functools import lru_cache
from typing import Callable

from flask import current_app
from sqlalchemy import Integer, String, and_, bindparam, column, func, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import joinedload, selectinload

from webapp import clock
from webapp.extensions import db
from webapp.mail.message import build_message, is_prebuilt
from webapp.mail.render import render_cache
from webapp.models import (
    Attendance,
    Event,
    MailKind,
    MailStatus,
    OutboxMessage,
    ProgrammePart,
    Registration,
    RegistrationStatus,
    ViewMode,
)

log = logging.getLogger(__name__)


# --- claiming -------------------------------------------------------------------


def claim_batch(worker: str, size: int) -> list[int]:
    """Mark up to ``size`` due rows as "sending" for ``worker`` and commit."""
    now = clock.now()
    values = {"now": now, "worker": worker, "size": size,
              "lease": now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])}
    connection = db.session.connection()
    ids: list[int] = []
    for statement in _claim_statements():
        ids += connection.execute(statement, {**values, "size": size - len(ids)}).scalars().all()
        if len(ids) >= size:
            break
    db.session.commit()
    return sorted(ids)


@lru_cache(maxsize=1)
def _claim_statements() -> tuple:
    """The two claiming statements, built once (building them cost more than running them).

    Each reads the (status, due_at) index in order: rows whose lease ran out (a
    crashed worker's) first, then queued rows that are due. Each marks what it found
    in the same statement (UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
    RETURNING id), so no list of ids goes back and forth.
    """
    table = OutboxMessage.__table__
    wanted = (
        and_(table.c.status == MailStatus.SENDING, table.c.claimed_until < bindparam("now")),
        and_(table.c.status == MailStatus.QUEUED, table.c.due_at <= bindparam("now")),
    )
    return tuple(
        update(table).where(table.c.id.in_(
            select(table.c.id).where(condition).order_by(table.c.due_at)
            .limit(bindparam("size")).with_for_update(skip_locked=True)
        )).values(
            status=MailStatus.SENDING, claimed_by=bindparam("worker"),
            claimed_until=bindparam("lease"), attempts=table.c.attempts + 1,
        ).returning(table.c.id)
        for condition in wanted
    )


# --- loading and rendering ------------------------------------------------------


def load_rows(ids: list[int]) -> list[OutboxMessage]:
    """The claimed rows in claim order, with what rendering needs, in two queries: the
    rows with their registrations (and their choices of the slots' options), then their
    events with parts (and options) and contacts (a registration's event, and a choice's
    option, is the same object, found in the session without a query)."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).options(
            joinedload(OutboxMessage.registration).joinedload(Registration.choices),
            selectinload(OutboxMessage.event).options(
                joinedload(Event.parts).joinedload(ProgrammePart.options),
                joinedload(Event.contacts)),
        )
    ).unique().all()
    by_id = {row.id: row for row in rows}
    return [by_id[id_] for id_ in ids if id_ in by_id]


def _watched_live(rows: list[OutboxMessage]) -> Callable[[OutboxMessage], bool | None]:
    """For the recording notice: did this participant follow live (on the stream, or in
    the room: marked arrived at the door)? None when the event has no attendance on the
    web at all (watching was not recorded), so everyone gets one text."""
    recording = [row for row in rows if row.kind is MailKind.RECORDING]
    if not recording:
        return lambda row: None
    events = {row.event_id for row in recording}
    recorded = set(db.session.scalars(
        select(Registration.event_id)
        .join(Attendance, Attendance.registration_id == Registration.id)
        .where(Registration.event_id.in_(events), Attendance.mode != ViewMode.ON_SITE)
        .distinct()))
    live = set(db.session.scalars(
        select(Attendance.registration_id).where(
            Attendance.registration_id.in_([row.registration_id for row in recording]),
            Attendance.mode.in_([ViewMode.LIVE, ViewMode.ON_SITE])).distinct()))
    return lambda row: (row.registration_id in live) if row.event_id in recorded else None


def skip_reason(row: OutboxMessage) -> str | None:
    """Why a message no longer makes sense, or None if it should go out."""
    registration, event = row.registration, row.event
    if is_prebuilt(row) or row.kind is MailKind.CANCELLATION:
        return None
    if registration is None:
        return "the registration was deleted"
    if row.kind is MailKind.CONFIRM_EMAIL:
        return None if registration.status is RegistrationStatus.PENDING else "no longer pending"
    if registration.status is not RegistrationStatus.REGISTERED:
        return "registration is not active"
    if row.kind is MailKind.REMINDER:
        first = event.first_streamed_part
        if first is None or clock.now() >= first.ends_at:
            return "the part is already over"
    return None


@dataclass
class BatchResult:
    """What happened to the rows of one batch."""

    sent: list[tuple[int, str]] = field(default_factory=list)  # (id, Message-ID)
    retry: list[tuple[int, str]] = field(default_factory=list)  # (id, error)
    failed: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # not tried: the worker is stopping


@dataclass
class PreparedBatch:
    """A claimed batch, rendered: the messages to send, and the rows already settled."""

    messages: list[tuple[int, Message]] = field(default_factory=list)  # (row id, email)
    result: BatchResult = field(default_factory=BatchResult)


def prepare_batch(ids: list[int]) -> PreparedBatch:
    """Load and render the claimed rows (skipping what no longer makes sense)."""
    batch = PreparedBatch()
    cache = render_cache()
    rows = load_rows(ids)
    watched = _watched_live(rows)
    for row in rows:
        reason = skip_reason(row)
        if reason:
            batch.result.skipped.append((row.id, reason))
            continue
        try:
            attended = watched(row) if row.kind is MailKind.RECORDING else None
            email = build_message(row, attended, cache=cache)
            batch.messages.append((row.id, email.as_mime()))
        except Exception as error:  # a template or data error: retried, never forever
            log.exception("could not render outbox row %s", row.id)
            batch.result.retry.append((row.id, f"rendering failed: {error}"))
    return batch


# --- recording ------------------------------------------------------------------


def record(result: BatchResult, worker: str, transport_name: str) -> None:
    """Write a batch's outcome in one transaction (only rows this worker still holds)."""
    table = OutboxMessage.__table__
    now = clock.now()
    if result.sent:
        _record_sent(result.sent, worker, transport_name, now)
        _forget_prebuilt_texts([row_id for row_id, _ in result.sent])
    mine = update(table).where(table.c.id == bindparam("row_id"), table.c.claimed_by == worker)
    free = {"claimed_by": None, "claimed_until": None}
    changes: list[tuple[dict, list[dict]]] = [
        ({"status": MailStatus.SKIPPED, "last_error": bindparam("text")},
         [{"row_id": i, "text": r} for i, r in result.skipped]),
        ({"status": MailStatus.FAILED, "last_error": bindparam("text")},
         [{"row_id": i, "text": e} for i, e in result.failed]),
        ({"status": MailStatus.QUEUED, "attempts": table.c.attempts - 1},
         [{"row_id": i} for i in result.released]),
    ]
    changes += [(_retry_values(id_, error, now), [{"row_id": id_}]) for id_, error in result.retry]
    for values, rows in changes:
        if rows:
            db.session.execute(mine.values(**values, **free), rows)
    db.session.commit()


def _forget_prebuilt_texts(sent_ids: list[int]) -> None:
    """A message rendered when it was queued keeps, once sent, only its subject (and a
    coordinator's address): its text may hold a password-reset link, or the address
    of someone whose data is erased."""
    rows = db.session.execute(select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.context)
                              .where(OutboxMessage.id.in_(sent_ids),
                                     OutboxMessage.registration_id.is_(None))).all()
    for row_id, kind, values in rows:
        kept = {"subject": (values or {}).get("subject", "")}
        if kind is MailKind.ACCOUNT:
            kept["to"] = (values or {}).get("to", "")
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                           .values(context=kept).execution_options(synchronize_session=False))


def _retry_values(row_id: int, error: str, now: datetime) -> dict:
    """A row to try again after a backoff that doubles, or failed after the last attempt."""
    config = current_app.config
    tries = db.session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == row_id)) or 1
    if tries >= config["MAIL_MAX_ATTEMPTS"]:
        return {"status": MailStatus.FAILED,
                "last_error": f"gave up after {tries} attempts: {error}"}
    delay = min(config["MAIL_RETRY_BASE_SECONDS"] * 2 ** (tries - 1),
                config["MAIL_RETRY_MAX_SECONDS"])
    return {"status": MailStatus.QUEUED, "last_error": error,
            "due_at": now + timedelta(seconds=delay)}


def _record_sent(sent: list[tuple[int, str]], worker: str, transport_name: str,
                 now: datetime) -> None:
    """Mark sent rows, with their Message-IDs: on PostgreSQL in one statement (the ids
    and Message-IDs go as two arrays), elsewhere one execution per row (SQLite runs
    them in-process). A statement per row cost the worker more than writing the email."""
    connection = db.session.connection()
    one_by_one, at_once = _sent_statements()
    values = {"worker": worker, "transport": transport_name, "now": now}
    if connection.dialect.name == "postgresql":
        connection.execute(at_once, {**values, "ids": [row_id for row_id, _ in sent],
                                     "message_ids": [message_id for _, message_id in sent]})
    else:
        connection.execute(one_by_one, [{**values, "row_id": row_id, "message_id": message_id}
                                        for row_id, message_id in sent])


@lru_cache(maxsize=1)
def _sent_statements() -> tuple:
    """(one row per execution, all rows from two arrays), built once."""
    table = OutboxMessage.__table__
    done = {"status": MailStatus.SENT, "sent_at": bindparam("now"),
            "transport": bindparam("transport"), "last_error": None,
            "claimed_by": None, "claimed_until": None}
    one_by_one = update(table).where(
        table.c.id == bindparam("row_id"), table.c.claimed_by == bindparam("worker"),
    ).values(**done, message_id=bindparam("message_id"))
    sent = func.unnest(
        bindparam("ids", type_=postgresql.ARRAY(Integer)),
        bindparam("message_ids", type_=postgresql.ARRAY(String)),
    ).table_valued(column("id", Integer), column("message_id", String)).render_derived(name="sent")
    at_once = update(table).where(
        table.c.id == sent.c.id, table.c.claimed_by == bindparam("worker"),
    ).values(**done, message_id=sent.c.message_id)
    return one_by_one, at_once
