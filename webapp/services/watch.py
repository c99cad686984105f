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
from sqlalchemy import func, select, update

from webapp import clock
from webapp.extensions import db, insert_or_skip
from webapp.models import (
    Attendance,
    Event,
    ProgrammePart,
    Registration,
    ViewMode,
    ViewTotal,
    WatchNetwork,
)
from webapp.watch_fastpath import Viewer, also_clear


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
    """(opens, closes, part) of each streamed part's live window, in order; worked out
    once per event object and version (the watch page asks on every request)."""
    config = current_app.config
    lead, grace = config["WATCH_LIVE_LEAD_MINUTES"], config["WATCH_GRACE_MINUTES"]
    key = (id(event), event.id, event.revision, event.created_at, lead, grace)
    windows = _windows_cache.get(key)
    if windows is None:
        parts = sorted(event.streamed_parts, key=lambda p: p.starts_at)
        windows = [(p.starts_at - timedelta(minutes=lead), p.ends_at + timedelta(minutes=grace), p)
                   for p in parts]
        if len(_windows_cache) > 512:
            _windows_cache.clear()
        _windows_cache[key] = windows
    return windows


_windows_cache: dict[tuple, list] = {}
also_clear(_windows_cache.clear)


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
    ttl = current_app.config["MEDIA_LINK_TTL_MINUTES"] * 60
    expires = (int(clock.now().timestamp()) // 60 + 1) * 60 + ttl  # whole minutes: cacheable
    if until is not None:
        expires = min(expires, int(until.timestamp()))
    return sign_media_url(url, event.media_link_secret, expires)


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


def record_view(registration: Viewer, part: ProgrammePart, mode: ViewMode,
                address: str | None) -> None:
    """One row per participant, part, mode and minute; flag links opened from many networks."""
    now = clock.now()
    minute = now.replace(second=0, microsecond=0)
    added = db.session.execute(insert_or_skip(Attendance).values(
        registration_id=registration.id, part_id=part.id, mode=mode, minute=minute,
    ).on_conflict_do_nothing(index_elements=["registration_id", "part_id", "mode", "minute"])
        .execution_options(preserve_rowcount=True)).rowcount
    if added:
        _add_to_totals(registration.id, part.id, mode, minute)
    statement = insert_or_skip(WatchNetwork).values(
        registration_id=registration.id, network=network_of(address), last_seen=now)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["registration_id", "network"], set_={"last_seen": now}))
    if not registration.flagged:
        _flag_if_shared(registration, now)


def _add_to_totals(registration_id: int, part_id: int, mode: ViewMode, minute: datetime) -> None:
    """A new minute counted in the participant's ``ViewTotal`` of the part (once per
    minute: only when its attendance row was new)."""
    statement = insert_or_skip(ViewTotal).values(
        registration_id=registration_id, part_id=part_id, mode=mode, first_minute=minute,
        last_minute=minute, minutes=1)
    later, earlier = ((func.greatest, func.least)
                      if db.session.get_bind().dialect.name == "postgresql"
                      else (func.max, func.min))  # SQLite's max/min of two are scalar
    db.session.execute(statement.on_conflict_do_update(
        index_elements=["registration_id", "part_id", "mode"],
        set_={"minutes": ViewTotal.minutes + 1,
              "first_minute": earlier(ViewTotal.first_minute, statement.excluded.first_minute),
              "last_minute": later(ViewTotal.last_minute, statement.excluded.last_minute)}))


def _flag_if_shared(registration: Viewer, now: datetime) -> None:
    """Flag (never block) a link opened from many networks within the set window."""
    config = current_app.config
    since = now - timedelta(minutes=config["WATCH_SHARE_WINDOW_MINUTES"])
    networks = db.session.scalar(
        select(func.count(WatchNetwork.id)).where(
            WatchNetwork.registration_id == registration.id, WatchNetwork.last_seen >= since)
    )
    if networks >= config["WATCH_SHARE_NETWORKS"]:
        db.session.execute(update(Registration).where(Registration.id == registration.id)
                           .values(shared_link_flagged_at=now))
