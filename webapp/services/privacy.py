"""Personal data: removed after the retention time, or at once by the participant."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, select, update

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    Invitation,
    OutboxMessage,
    Registration,
    SeatRequest,
    WatchNetwork,
)


def purge_personal_data() -> int:
    """Anonymise the registrations of events whose recording expired (or that ended)
    longer ago than PRIVACY_RETENTION_DAYS. Attendance rows stay (numbers), names,
    addresses, organisations, network hashes and SMTP answers go; invitations and
    requests for a seat go whole. Returns the registrations purged."""
    cutoff = clock.now() - timedelta(days=current_app.config["PRIVACY_RETENTION_DAYS"])
    expired = select(Event.id).where(
        func.coalesce(Event.recording_available_until, Event.ends_at) < cutoff)
    targets = select(Registration.id).where(
        Registration.event_id.in_(expired), Registration.purged_at.is_(None))
    for model in (SeatRequest, Invitation):  # invited people and who asked: all personal
        db.session.execute(delete(model).where(model.event_id.in_(expired)))
    ids = db.session.scalars(targets).all()
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


def delete_registration(registration: Registration) -> None:
    """The participant's own request: the registration and everything about it goes,
    emails still queued for it too, and the invitation (and requests for a seat) that
    named the address; a last email confirms it (and takes the event out of their
    calendar), rendered now since the registration it names is gone."""
    from webapp.mail.outbox import notify_data_deleted

    notify_data_deleted(registration)
    for model in (SeatRequest, Invitation):
        db.session.execute(delete(model).where(model.event_id == registration.event_id,
                                               model.email == registration.email))
    db.session.delete(registration)
    db.session.flush()
