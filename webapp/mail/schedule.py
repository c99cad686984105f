"""Timed messages, enqueued by the mail worker itself when their time comes.

Each timed job runs once per event (a ScheduleMark row, written in the same
transaction as the messages). A worker that was down catches up on start, but
never sends a reminder for a part that is already over.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from webapp import clock
from webapp.extensions import db
from webapp.mail.outbox import enqueue_for_registrations
from webapp.models import (
    Event,
    EventStatus,
    MailKind,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    ScheduleMark,
)


def enqueue_due_messages() -> int:
    """Enqueue every timed message whose time has come; returns how many were added."""
    now = clock.now()
    config = current_app.config
    lead = timedelta(hours=config["STREAM_LINK_LEAD_HOURS"])
    added = 0
    for event in _events_with_timed_mail(now, lead):
        first = event.first_streamed_part
        if first is not None and first.starts_at - lead <= now < event.ends_at:
            added += _once(event, "stream-link", MailKind.STREAM_LINK,
                           _active(event).where(Registration.kind == RegistrationKind.WEB))
        for minutes in config["REMINDER_OFFSETS_MINUTES"]:
            at = first.starts_at - timedelta(minutes=minutes) if first else None
            if at is not None and at <= now < first.ends_at:
                added += _once(event, f"reminder:{minutes}", MailKind.REMINDER,
                               _active(event).where(Registration.kind == RegistrationKind.WEB,
                                                    Registration.created_at < at),
                               context={"minutes": minutes})
        expiry = event.recording_available_until
        if expiry is not None and event.ends_at <= now < expiry:
            added += _once(event, "recording", MailKind.RECORDING, _active(event))
    remove_unconfirmed_registrations()
    return added + _waiting_lists()


def _waiting_lists() -> int:
    """Lapse the waiting-list offers that ran out and offer every free place; returns
    the emails queued (one per offer made)."""
    from webapp.services.waiting import run_waiting_lists

    return run_waiting_lists()


def _events_with_timed_mail(now, lead) -> list[Event]:
    """Published events between their stream-link time and their recording expiry."""
    return db.session.scalars(
        select(Event).where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at <= now + lead,  # the first streamed part starts no earlier
            (Event.ends_at > now) | (Event.recording_available_until > now),
        )
    ).all()


def _active(event: Event):
    """Registrations of ``event`` that count (not pending, not cancelled)."""
    return select(Registration.id, Registration.event_id, Registration.token_version).where(
        Registration.event_id == event.id,
        Registration.status == RegistrationStatus.REGISTERED,
    )


def _once(event: Event, name: str, kind: MailKind, registrations, context=None) -> int:
    """Run a timed job unless its mark exists; messages and mark in one savepoint."""
    if db.session.scalar(select(ScheduleMark.id).where(
            ScheduleMark.event_id == event.id, ScheduleMark.name == name)):
        return 0
    try:
        with db.session.begin_nested():
            db.session.add(ScheduleMark(event_id=event.id, name=name, done_at=clock.now()))
            db.session.flush()
            key_prefix = name.replace(":", "-")
            return enqueue_for_registrations(kind, key_prefix, registrations, context=context)
    except IntegrityError:
        return 0  # another worker did it at the same moment


def remove_unconfirmed_registrations() -> int:
    """Delete registrations whose address was not confirmed in time (double opt-in)."""
    ttl = timedelta(hours=current_app.config["UNCONFIRMED_TTL_HOURS"])
    result = db.session.execute(
        delete(Registration).where(
            Registration.status == RegistrationStatus.PENDING,
            Registration.created_at < clock.now() - ttl,
        )
    )
    return result.rowcount
