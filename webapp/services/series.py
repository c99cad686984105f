"""A series signed up for once: one form, a registration per event underneath, one
email, and a personal series page to leave single events or all of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from webapp import clock
from webapp.extensions import db
from webapp.mail.prebuilt import notify_series_confirmed
from webapp.models import (
    IN_LINE,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    RegistrationWindow,
    Series,
    SeriesSignup,
    WaitingEntry,
    WaitingKind,
)
from webapp.services import DomainError
from webapp.services.places import lock_event
from webapp.services.registrations import (
    EventFull,
    _reader_language,
    cancel_registration,
    confirm_email_address,
    register_web_participant,
)
from webapp.services.waiting import join_waiting_list, leave_waiting_list


def get_public_series(slug: str) -> Series:
    """A series with at least one public event, or 404."""
    series = db.session.scalar(select(Series).where(Series.slug == slug).options(
        selectinload(Series.events).selectinload(Event.parts)))
    if series is None or not public_events(series):
        abort(404)
    return series


def public_events(series: Series) -> list[Event]:
    """The series' published or cancelled events, in order of time."""
    return [e for e in series.events if e.status is not EventStatus.DRAFT]


def open_events(series: Series) -> list[Event]:
    """The events of the series whose web sign-up is open now."""
    now = clock.now()
    return [e for e in public_events(series) if e.status is EventStatus.PUBLISHED
            and e.registration_window(now) is RegistrationWindow.OPEN]


def sign_up_for_series(series: Series, events: list[Event], *, name: str, email: str,
                       organisation: str) -> SeriesSignup:
    """Register ``email`` for each of ``events`` (web, one registration per event, in
    this one transaction); an event that is full puts the person on its waiting list.
    One email for all, listing every event of the series the person is in, with one
    calendar file. An address already signed up keeps its page and gets the email
    again (the answer is the same)."""
    chosen = [e for e in open_events(series) if e in events]
    if not chosen:
        raise DomainError(_("Please choose at least one event that is open for sign-up."))
    for event in sorted(chosen, key=lambda e: e.id):  # every path locks several events
        lock_event(event)  # in the order of their ids: no deadlock between them
    signup = db.session.scalar(select(SeriesSignup).where(
        SeriesSignup.series_id == series.id, SeriesSignup.email == email))
    if signup is None:
        signup = SeriesSignup(series=series, email=email, name=name, organisation=organisation,
                              language=_reader_language(), created_at=clock.now())
        db.session.add(signup)
        db.session.flush()
    registered = series_view(signup).by_event  # the one email says what holds, so a
    for event in chosen:  # registration is kept as it is, full event or not
        if event.id in registered:
            continue
        try:
            register_web_participant(event, name=name, email=email, organisation=organisation,
                                     confirm=False)
        except EventFull:
            join_waiting_list(event, WaitingKind.WEB, name=name, email=email,
                              organisation=organisation, notify=False)
    view = series_view(signup)
    notify_series_confirmed(signup, view.registrations, view.waiting, chosen[0])
    return signup


@dataclass
class SeriesView:
    """What the personal series page shows: per event, the registration or the place
    in line of this address."""

    signup: SeriesSignup
    events: list[Event] = field(default_factory=list)
    by_event: dict[int, Registration] = field(default_factory=dict)
    waiting_by_event: dict[int, WaitingEntry] = field(default_factory=dict)

    @property
    def registrations(self) -> list[Registration]:
        """The address' registrations that count or wait for confirmation, in order."""
        return [self.by_event[e.id] for e in self.events if e.id in self.by_event]

    @property
    def waiting(self) -> list[WaitingEntry]:
        return [self.waiting_by_event[e.id] for e in self.events
                if e.id in self.waiting_by_event]


def series_view(signup: SeriesSignup) -> SeriesView:
    """The address' registrations (not cancelled) and places in line, per event."""
    events = public_events(signup.series)
    ids = [e.id for e in events]
    view = SeriesView(signup, events)
    for registration in db.session.scalars(select(Registration).where(
            Registration.event_id.in_(ids), Registration.email == signup.email,
            Registration.status != RegistrationStatus.CANCELLED)):
        view.by_event[registration.event_id] = registration
    for entry in db.session.scalars(select(WaitingEntry).where(
            WaitingEntry.event_id.in_(ids), WaitingEntry.email == signup.email,
            WaitingEntry.kind == WaitingKind.WEB, WaitingEntry.status.in_(IN_LINE))):
        view.waiting_by_event[entry.event_id] = entry
    return view


def leave_series_event(signup: SeriesSignup, event: Event) -> bool:
    """Leave one event: its registration is cancelled, or its place in line left.
    Returns whether there was anything to leave."""
    view = series_view(signup)
    registration = view.by_event.get(event.id)
    entry = view.waiting_by_event.get(event.id)
    if registration is not None and registration.status is RegistrationStatus.PENDING:
        registration.status, registration.cancelled_at = RegistrationStatus.CANCELLED, clock.now()
        db.session.flush()  # never counted: nothing frees, nothing to tell
    elif registration is not None:
        cancel_registration(registration)
    if entry is not None:
        leave_waiting_list(entry)
    return registration is not None or entry is not None


def leave_series(signup: SeriesSignup) -> int:
    """Leave every event of the series that is not over; returns how many."""
    now = clock.now()
    left = 0
    for event in series_view(signup).events:
        if event.ends_at > now and leave_series_event(signup, event):
            left += 1
    return left


def confirm_series_address(signup: SeriesSignup) -> None:
    """Double opt-in: the series link came by email to the address, so it confirms the
    registrations waiting for it (each raises EventFull if its last place went meanwhile)."""
    for registration in series_view(signup).registrations:
        if registration.status is RegistrationStatus.PENDING:
            confirm_email_address(registration)
