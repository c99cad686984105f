"""Coordinators' work on registrations: the table (search, filters, sort, pages and
counts, one query for the rows shown whatever their number) and the actions on one
person or on several (send the link again, cancel, re-issue the links, erase, the
person's data). Every action is written to the audit log in the same transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, distinct, exists, func, not_, or_, select

from webapp import clock
from webapp.extensions import db
from webapp.mail.outbox import enqueue_email, notify_cancellation, notify_links_reissued
from webapp.models import (
    Event,
    MailKind,
    OutboxMessage,
    ProgrammePart,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    ViewMode,
    ViewTotal,
    WatchNetwork,
)
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.privacy import anonymise_registrations
from webapp.urls import page_number

PAGE_SIZE = 50
SORTS = {
    "name": (Registration.name, Registration.id),
    "email": (Registration.email,),
    "organisation": (Registration.organisation, Registration.name, Registration.id),
    "created": (Registration.created_at, Registration.id),
}
CHOICES = {"kind": ("", "web", "on_site"),
           "status": ("", "registered", "pending", "cancelled", "erased"),
           "watched": ("", "live", "recording", "none"), "flagged": ("", "1")}


def search_text(value: str | None) -> str:
    """What was typed in a search box, as a search takes it (no NUL, 200 characters)."""
    return (value or "").replace("\x00", "").strip()[:200]


@dataclass
class Filters:
    """The table's search, filters, sort and page, as the query string gives them
    (anything unknown falls back to the default: a list never fails on a bad link)."""

    q: str = ""
    kind: str = ""
    status: str = ""
    watched: str = ""
    flagged: str = ""
    sort: str = "name"
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read ``args`` (request.args or request.form)."""
        values = {name: (args.get(name) or "").strip() for name in CHOICES}
        values = {k: v if v in CHOICES[k] else "" for k, v in values.items()}
        sort = (args.get("sort") or "name").strip()
        page = args.get("page", "1")
        return cls(q=search_text(args.get("q")), **values,
                   sort=sort if sort.lstrip("-") in SORTS else "name",
                   page=page_number(page))

    def args(self, **changes) -> dict:
        """The non-default values, for links (``page`` and ``sort`` changed by ``changes``)."""
        values = {**asdict(self), **changes}
        defaults = {f.name: f.default for f in fields(self)}
        return {k: v for k, v in values.items() if v != defaults[k]}


@dataclass
class Page:
    """One page of rows and where it stands."""

    rows: list
    total: int
    number: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


def watched(mode: ViewMode | None = None):
    """Has the registration any view (of ``mode``)?"""
    condition = ViewTotal.registration_id == Registration.id
    if mode is not None:
        condition = and_(condition, ViewTotal.mode == mode)
    return exists().where(condition)


def filtered(event: Event, f: Filters):
    """The conditions that pick the event's registrations ``f`` asks for."""
    conditions = [Registration.event_id == event.id]
    if f.q:
        text = f.q.lower()
        conditions.append(or_(func.lower(Registration.name).contains(text, autoescape=True),
                              Registration.email.contains(text, autoescape=True),
                              func.lower(Registration.organisation).contains(
                                  text, autoescape=True)))
    if f.kind:
        conditions.append(Registration.kind == RegistrationKind(f.kind))
    if f.status == "erased":
        conditions.append(Registration.purged_at.is_not(None))
    elif f.status:
        conditions.append(Registration.status == RegistrationStatus(f.status))
    if f.flagged:
        conditions.append(Registration.shared_link_flagged_at.is_not(None))
    if f.watched == "live":
        conditions.append(watched(ViewMode.LIVE))
    elif f.watched == "recording":
        conditions.append(and_(watched(ViewMode.RECORDING), not_(watched(ViewMode.LIVE))))
    elif f.watched == "none":
        conditions.append(not_(watched()))
    return conditions


def stream_link_status():
    """The status of the newest stream-link email of the registration, if any."""
    return (select(OutboxMessage.status)
            .where(OutboxMessage.registration_id == Registration.id,
                   OutboxMessage.kind == MailKind.STREAM_LINK)
            .order_by(OutboxMessage.id.desc()).limit(1).scalar_subquery())


def registrations_page(event: Event, f: Filters, counts: dict | None = None) -> Page:
    """The rows ``f`` asks for (each with whether the person watched live or a
    recording and how their stream link stands), in one query, and their count (taken
    from ``counts`` when nothing narrows the list)."""
    conditions = filtered(event, f)
    if counts is not None and len(conditions) == 1:
        total = counts["all"]
    else:
        total = db.session.scalar(select(func.count(Registration.id)).where(*conditions))
    columns = SORTS[f.sort.lstrip("-")]
    order = [c.desc() for c in columns] if f.sort.startswith("-") else list(columns)
    rows = db.session.execute(
        select(Registration, watched(ViewMode.LIVE).label("live"),
               watched(ViewMode.RECORDING).label("recording"),
               stream_link_status().label("link"))
        .where(*conditions).order_by(*order)
        .limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)).all()
    return Page(rows=rows, total=total or 0, number=f.page)


def registration_counts(event: Event) -> dict[str, int]:
    """Totals of the event's registrations: by way of taking part and status, flagged
    links, and who watched (live, only the recording, not at all); three queries, each
    read from an index alone."""
    counts = dict.fromkeys(("web", "on_site", "pending", "cancelled", "erased", "flagged",
                            "all", "live", "recording_only", "not_watched"), 0)
    for status, kind, number, flagged, erased in db.session.execute(
            select(Registration.status, Registration.kind, func.count(),
                   func.count(Registration.shared_link_flagged_at),
                   func.count(Registration.purged_at))
            .where(Registration.event_id == event.id)
            .group_by(Registration.status, Registration.kind)):
        counts["all"] += number
        counts["flagged"] += flagged
        counts["erased"] += erased
        if status is RegistrationStatus.REGISTERED:
            counts[kind.value] += number
        else:
            counts[status.value] += number
    parts = [p.id for p in event.parts]
    counts["live"] = db.session.scalar(
        select(func.count(distinct(ViewTotal.registration_id)))
        .where(ViewTotal.part_id.in_(parts), ViewTotal.mode == ViewMode.LIVE)) or 0
    anyone = db.session.scalar(select(func.count(distinct(ViewTotal.registration_id)))
                               .where(ViewTotal.part_id.in_(parts))) or 0
    counts["recording_only"] = anyone - counts["live"]
    counts["not_watched"] = max(counts["web"] + counts["on_site"] - anyone, 0)
    return counts


def registration_or_none(event: Event, registration_id: int) -> Registration | None:
    """One registration of ``event``."""
    return db.session.scalar(select(Registration).where(
        Registration.id == registration_id, Registration.event_id == event.id))


# --- one person ------------------------------------------------------------------


@dataclass
class PartViews:
    """How one person watched one part in one way."""

    part: ProgrammePart
    mode: ViewMode
    first: datetime
    last: datetime
    minutes: int


def person_details(registration: Registration) -> tuple[list[OutboxMessage], list[PartViews]]:
    """Every email to the person (newest first) and their views per part and mode."""
    emails = db.session.scalars(select(OutboxMessage)
                                .where(OutboxMessage.registration_id == registration.id)
                                .order_by(OutboxMessage.created_at.desc(),
                                          OutboxMessage.id.desc())).all()
    parts = {p.id: p for p in registration.event.parts}
    views = [PartViews(parts[t.part_id], t.mode, t.first_minute, t.last_minute, t.minutes)
             for t in db.session.scalars(select(ViewTotal).where(
                 ViewTotal.registration_id == registration.id)) if t.part_id in parts]
    views.sort(key=lambda v: (v.part.position, v.mode.value))
    return list(emails), views


def _target(registration: Registration) -> str:
    return f"registration {registration.id}"


def _check_reachable(registration: Registration) -> None:
    """Refuse to mail someone erased or cancelled."""
    if registration.purged_at is not None:
        raise DomainError(_("This person's data has been erased: there is no one to write to."))
    if registration.status is RegistrationStatus.CANCELLED:
        raise DomainError(_("This registration is cancelled: no link is sent."))


def resend_link(registration: Registration, batch: str) -> None:
    """The person's link again: the stream link to a web participant, the confirmation
    (with the personal page) on site, the confirm-your-address email while pending.
    ``batch`` names the press of the button: pressing it twice sends once."""
    _check_reachable(registration)
    if registration.status is RegistrationStatus.PENDING:
        kind = MailKind.CONFIRM_EMAIL
    elif registration.kind is RegistrationKind.WEB and registration.event.streamed_parts:
        kind = MailKind.STREAM_LINK
    else:
        kind = MailKind.CONFIRMATION
    key = f"{kind.value.replace('_', '-')}-again:{registration.id}:{batch[:40]}"
    if enqueue_email(kind, registration, key):
        record_action("registration.resend_link", event=registration.event,
                      target=_target(registration), note=kind.value)


def cancel_by_coordinator(registration: Registration, *, notify: bool) -> None:
    """Cancel a registration, telling the person by email or not."""
    if registration.status is RegistrationStatus.CANCELLED:
        raise DomainError(_("This registration is already cancelled."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = clock.now()
    db.session.flush()
    if notify and registration.purged_at is None:
        notify_cancellation(registration)
    record_action("registration.cancel", event=registration.event, target=_target(registration),
                  note="with email" if notify else "without email")


def reissue_links(registration: Registration) -> None:
    """Revoke every link sent so far (a new token version) and email the new ones; the
    shared-link flag and the networks seen are cleared with the old link."""
    _check_reachable(registration)
    registration.token_version += 1
    registration.shared_link_flagged_at = None
    db.session.flush()
    db.session.execute(db.delete(WatchNetwork)
                       .where(WatchNetwork.registration_id == registration.id))
    notify_links_reissued(registration)
    record_action("registration.reissue_links", event=registration.event,
                  target=_target(registration), note=f"v{registration.token_version}")


def erase_person(registration: Registration) -> None:
    """GDPR Art. 17: the person's data goes, the row (and so every count) stays."""
    if registration.purged_at is not None:
        raise DomainError(_("This person's data has already been erased."))
    anonymise_registrations([registration.id])
    db.session.expire(registration)
    record_action("registration.erase", event=registration.event, target=_target(registration))


BULK_ACTIONS = {
    "resend": lambda r, batch: resend_link(r, batch),
    "reissue": lambda r, batch: reissue_links(r),
    "cancel_notify": lambda r, batch: cancel_by_coordinator(r, notify=True),
    "cancel_silent": lambda r, batch: cancel_by_coordinator(r, notify=False),
}


def bulk_action(event: Event, ids: list[int], action: str, batch: str) -> tuple[int, int]:
    """Run ``action`` on the selected registrations of ``event`` (others' ids are
    ignored); returns (done, refused): a registration the action does not apply to
    (cancelled, erased) is counted as refused, and the rest go on."""
    registrations = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.id.in_(ids[:PAGE_SIZE * 4]))).all()
    done = refused = 0
    for registration in registrations:
        try:  # every refusal is raised before anything is written
            BULK_ACTIONS[action](registration, batch)
            done += 1
        except DomainError:
            refused += 1
    return done, refused
