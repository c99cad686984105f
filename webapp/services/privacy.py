"""Personal data: removed after the retention time, at once by the participant, or
erased on request by a coordinator (GDPR Art. 17) with the numbers kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from flask import current_app
from sqlalchemy import String, cast, delete, func, literal, select, update

from webapp import clock
from webapp.extensions import db
from webapp.models import (
    Event,
    Invitation,
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    SeatRequest,
    SeriesSignup,
    WaitingEntry,
    WatchNetwork,
)

ERASED = "personal data erased"


def purge_personal_data() -> int:
    """Anonymise the registrations of events whose recording expired (or that ended)
    longer ago than PRIVACY_RETENTION_DAYS. Returns rows purged.
    Orders of printed copies (their emails, with the reader's address) older than that
    go too, and invitations and requests for a seat go whole."""
    cutoff = clock.now() - timedelta(days=current_app.config["PRIVACY_RETENTION_DAYS"])
    forget_orders(cutoff)
    expired = select(Event.id).where(
        func.coalesce(Event.recording_available_until, Event.ends_at) < cutoff)
    targets = select(Registration.id).where(
        Registration.event_id.in_(expired), Registration.purged_at.is_(None))
    for model in (SeatRequest, Invitation):  # invited people and who asked: all personal
        db.session.execute(delete(model).where(model.event_id.in_(expired)))
    _purge_lists(expired)
    return anonymise_registrations(db.session.scalars(targets).all())


def anonymise_registrations(ids: Sequence[int]) -> int:
    """Remove the personal data of the registrations ``ids`` and keep the rows, so that
    every count stays: names, addresses, organisations, network hashes and SMTP answers
    go, every link is revoked, and mail not yet sent is skipped. Attendance rows stay
    (numbers). Returns how many registrations were anonymised."""
    ids = list(ids)
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
    outbox = update(OutboxMessage).where(OutboxMessage.registration_id.in_(ids))
    db.session.execute(outbox.values(last_error=None)
                       .execution_options(synchronize_session=False))
    db.session.execute(outbox.where(OutboxMessage.status == MailStatus.QUEUED)
                       .values(status=MailStatus.SKIPPED, last_error=ERASED)
                       .execution_options(synchronize_session=False))
    return len(ids)


def forget_orders(before) -> None:
    """Blank the emails of orders of printed copies queued before ``before``: they hold
    the reader's name, postal address and email. A sent one keeps only its subject
    already (the worker sees to that); this empties those that could not be sent."""
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.kind == MailKind.ORDER,
                                    OutboxMessage.created_at < before)
        .values(context={}, last_error=None).execution_options(synchronize_session=False))


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
    emails still queued for it too, and the invitation (and requests for a seat) that
    named the address; a last email confirms it (and takes the event out of their
    calendar), rendered now since the registration it names is gone."""
    from webapp.mail.outbox import notify_data_deleted

    notify_data_deleted(registration)
    for model in (SeatRequest, Invitation):
        db.session.execute(delete(model).where(model.event_id == registration.event_id,
                                               model.email == registration.email))
    db.session.execute(delete(WaitingEntry).where(
        WaitingEntry.event_id == registration.event_id,
        WaitingEntry.email == registration.email).execution_options(synchronize_session=False))
    db.session.delete(registration)
    db.session.flush()


def personal_data(registration: Registration) -> dict:
    """GDPR Art. 15: everything kept about the person, as plain values (JSON)."""
    from webapp.services.registration_admin import person_details

    emails, views = person_details(registration)
    networks = db.session.scalar(select(func.count(WatchNetwork.id)).where(
        WatchNetwork.registration_id == registration.id))
    when = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "event": {"title": registration.event.title, "slug": registration.event.slug},
        "registration": {
            "name": registration.name, "email": registration.email,
            "organisation": registration.organisation, "kind": registration.kind.value,
            "language": registration.language,
            "status": registration.status.value, "registered_at": when(registration.created_at),
            "consent_at": when(registration.consent_at),
            "email_confirmed_at": when(registration.email_confirmed_at),
            "cancelled_at": when(registration.cancelled_at),
            "erased_at": when(registration.purged_at),
            "link_flagged_as_shared_at": when(registration.shared_link_flagged_at),
            "networks_seen": networks,
        },
        "emails": [{"kind": m.kind.value, "status": m.status.value, "attempts": m.attempts,
                    "server_answer": m.last_error, "queued_at": when(m.created_at),
                    "sent_at": when(m.sent_at)} for m in emails],
        "views": [{"part": v.part.title, "mode": v.mode.value, "first_minute": when(v.first),
                   "last_minute": when(v.last), "minutes": v.minutes} for v in views],
    }
