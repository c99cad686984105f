"""Personal data: removed after the retention time, or at once by the participant."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, select, update

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    OutboxMessage,
    Registration,
    SeriesSignup,
    WaitingEntry,
    WatchNetwork,
)


def purge_personal_data() -> int:
    """Anonymise the registrations of events whose recording expired (or that ended)
    longer ago than PRIVACY_RETENTION_DAYS. Attendance rows stay (numbers), names,
    addresses, organisations, network hashes and SMTP answers go. Returns rows purged."""
    cutoff = clock.now() - timedelta(days=current_app.config["PRIVACY_RETENTION_DAYS"])
    expired = select(Event.id).where(
        func.coalesce(Event.recording_available_until, Event.ends_at) < cutoff)
    targets = select(Registration.id).where(
        Registration.event_id.in_(expired), Registration.purged_at.is_(None))
    ids = db.session.scalars(targets).all()
    _purge_lists(expired)
    if not ids:
        return 0
    db.session.execute(
        update(Registration).where(Registration.id.in_(ids)).values(
            name="", organisation="",
            email=literal("purged-") + cast(Registration.id, String) + literal("@invalid"),
            purged_at=clock.now(), shared_link_flagged_at=None,
            token_version=Registration.token_version + 1,
        ).execution_options(synchronize_session=False))
    db.session.execute(delete(WatchNetwork).where(WatchNetwork.registration_id.in_(ids)))
    db.session.execute(update(OutboxMessage).where(OutboxMessage.registration_id.in_(ids))
                       .values(last_error=None).execution_options(synchronize_session=False))
    return len(ids)


def _purge_lists(expired) -> None:
    """Waiting-list entries of those events go (their people are named in them), and a
    series sign-up goes once every event of its series is past its retention."""
    db.session.execute(delete(WaitingEntry).where(WaitingEntry.event_id.in_(expired))
                       .execution_options(synchronize_session=False))
    kept = select(Event.series_id).where(Event.series_id.is_not(None), Event.id.not_in(expired))
    db.session.execute(delete(SeriesSignup).where(SeriesSignup.series_id.not_in(kept))
                       .execution_options(synchronize_session=False))


def delete_registration(registration: Registration) -> None:
    """The participant's own request: the registration and everything about it goes,
    emails still queued for it too; a last email confirms it (and takes the event out
    of their calendar), rendered now since the registration it names is gone."""
    from webapp.mail.outbox import notify_data_deleted

    notify_data_deleted(registration)
    db.session.execute(delete(WaitingEntry).where(
        WaitingEntry.event_id == registration.event_id,
        WaitingEntry.email == registration.email).execution_options(synchronize_session=False))
    db.session.delete(registration)
    db.session.flush()
