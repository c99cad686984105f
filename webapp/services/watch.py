"""What the watch page shows at a given instant, and recording who watched.

The page is in one of these states: before the first streamed part, live
(from a lead time before a streamed part to a grace time after it), a pause
(a part that is not streamed, or a gap), after the event (the recordings,
until the expiry), expired, or over (nothing was recorded).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from webapp import clock
from webapp.extensions import db
from webapp.models import Attendance, Event, ProgrammePart, Registration, ViewMode, WatchNetwork


class WatchState(enum.Enum):
    """Where the watch page stands."""

    BEFORE = "before"
    LIVE = "live"
    PAUSE = "pause"
    AFTER = "after"
    EXPIRED = "expired"
    OVER = "over"


@dataclass
class WatchView:
    """Everything the watch page needs to show one state."""

    state: WatchState
    live_part: ProgrammePart | None = None
    next_part: ProgrammePart | None = None
    unstreamed_part: ProgrammePart | None = None
    recordings: list[tuple[ProgrammePart, str]] = field(default_factory=list)
    expires_at: datetime | None = None
    next_change: datetime | None = None

    @property
    def final(self) -> bool:
        """Nothing more will change on its own (no polling needed)."""
        return self.next_change is None


def _windows(event: Event) -> list[tuple[datetime, datetime, ProgrammePart]]:
    """(opens, closes, part) of each streamed part's live window, in order."""
    config = current_app.config
    lead = timedelta(minutes=config["WATCH_LIVE_LEAD_MINUTES"])
    grace = timedelta(minutes=config["WATCH_GRACE_MINUTES"])
    parts = sorted(event.streamed_parts, key=lambda p: p.starts_at)
    return [(p.starts_at - lead, p.ends_at + grace, p) for p in parts]


def watch_view(event: Event, now: datetime | None = None) -> WatchView:
    """The state of ``event``'s watch page at ``now``."""
    now = now or clock.now()
    windows = _windows(event)
    expiry = event.recording_available_until
    if not windows:
        return WatchView(WatchState.OVER)
    for opens, closes, part in windows:
        if opens <= now < closes:
            return WatchView(WatchState.LIVE, live_part=part, next_change=closes)
    if now < windows[0][0]:
        return WatchView(WatchState.BEFORE, next_part=windows[0][2], next_change=windows[0][0])
    if now >= windows[-1][1]:
        return _after(event, now, windows, expiry)
    opens, _closes, upcoming = next(w for w in windows if w[0] > now)
    on_now = next((p for p in event.parts if p.starts_at <= now < p.ends_at
                   and not p.is_public_stream), None)
    return WatchView(WatchState.PAUSE, next_part=upcoming, unstreamed_part=on_now,
                     next_change=opens)


def _after(event: Event, now: datetime, windows, expiry: datetime | None) -> WatchView:
    """After the last streamed part: recordings until the expiry (its last second included)."""
    recordings = [(part, url) for _o, _c, part in windows
                  if (url := part.recording_url or event.recording_url)]
    if expiry is None or not recordings:
        return WatchView(WatchState.OVER)
    if now.replace(microsecond=0) > expiry:
        return WatchView(WatchState.EXPIRED, expires_at=expiry)
    return WatchView(WatchState.AFTER, recordings=recordings, expires_at=expiry,
                     next_change=expiry + timedelta(seconds=1))


# --- media URLs -------------------------------------------------------------------


def sign_media_url(url: str, secret: str, expires: int) -> str:
    """nginx ``secure_link`` form: ``md5`` = base64url(md5("<expires><path> <secret>"))."""
    parts = urlsplit(url)
    digest = hashlib.md5(f"{expires}{parts.path} {secret}".encode()).digest()  # noqa: S324 (nginx's scheme)
    md5 = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}md5={md5}&expires={expires}"))


def media_url(event: Event, url: str, until: datetime | None = None) -> str:
    """``url``, signed with an expiry when the event has a media secret."""
    if not event.media_link_secret:
        return url
    ttl = timedelta(minutes=current_app.config["MEDIA_LINK_TTL_MINUTES"])
    expires = clock.now() + ttl
    if until is not None:
        expires = min(expires, until)
    return sign_media_url(url, event.media_link_secret, int(expires.timestamp()))


# --- loading, with the event cached per process until it is edited ---------------

_event_cache: dict[int, tuple[tuple, Event]] = {}


def clear_event_cache() -> None:
    """Forget cached events (tests, or after bulk changes outside the ORM)."""
    _event_cache.clear()


def load_for_watch(registration_id: int) -> tuple[Registration, Event] | None:
    """The registration (one primary-key query) and its event, cached by revision."""
    row = db.session.execute(
        select(Registration, Event.revision, Event.created_at)
        .join(Event, Event.id == Registration.event_id)
        .where(Registration.id == registration_id)
    ).first()
    if row is None:
        return None
    registration, *version = row
    version = tuple(version)
    cached = _event_cache.get(registration.event_id)
    if cached is None or cached[0] != version:
        event = db.session.scalars(
            select(Event).where(Event.id == registration.event_id)
            .options(selectinload(Event.parts), selectinload(Event.contacts))
        ).one()
        db.session.expunge(event)  # with its parts and contacts: read-only, shared by requests
        cached = (version, event)
        _event_cache[registration.event_id] = cached
    return registration, cached[1]


# --- attendance ------------------------------------------------------------------


def network_of(address: str | None) -> str:
    """A salted hash of the address's network (IPv4 /24, IPv6 /48): no address is kept."""
    try:
        ip = ipaddress.ip_address(address or "")
        prefix = 24 if ip.version == 4 else 48
        network = str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    except ValueError:
        network = "unknown"
    salt = current_app.config["SECRET_KEY"]
    return hashlib.sha256(f"{salt}|{network}".encode()).hexdigest()[:32]


def _upsert():
    """INSERT ... ON CONFLICT for the current database."""
    return postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert


def record_view(registration: Registration, part: ProgrammePart, mode: ViewMode,
                address: str | None) -> None:
    """One row per participant, part, mode and minute; flag links opened from many networks."""
    now = clock.now()
    insert = _upsert()
    db.session.execute(insert(Attendance).values(
        registration_id=registration.id, part_id=part.id, mode=mode,
        minute=now.replace(second=0, microsecond=0),
    ).on_conflict_do_nothing(index_elements=["registration_id", "part_id", "mode", "minute"]))
    statement = insert(WatchNetwork).values(
        registration_id=registration.id, network=network_of(address), last_seen=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["registration_id", "network"], set_={"last_seen": now}))
    if registration.shared_link_flagged_at is None:
        _flag_if_shared(registration, now)


def _flag_if_shared(registration: Registration, now: datetime) -> None:
    """Flag (never block) a link opened from many networks within the set window."""
    config = current_app.config
    since = now - timedelta(minutes=config["WATCH_SHARE_WINDOW_MINUTES"])
    networks = db.session.scalar(
        select(func.count(WatchNetwork.id)).where(
            WatchNetwork.registration_id == registration.id, WatchNetwork.last_seen >= since)
    )
    if networks >= config["WATCH_SHARE_NETWORKS"]:
        registration.shared_link_flagged_at = now
