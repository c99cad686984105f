"""Signed links: one registry of purposes, read by the pages, the emails and the logs.

A token names a row (a registration, or for invitations an invitation) by its id
and the token version it was made for, signed with the application's secret (read
with SECRET_KEY_FALLBACKS too: webapp/secret_keys.py) and the purpose's own salt
(itsdangerous; signatures compared in constant time). An id alone opens nothing,
and bumping the row's ``token_version`` revokes every link made before.

``PURPOSES`` is the one list of link purposes: its salt, the page that reads
it and the path under which tokens appear (the log redaction removes them there).
``EMAIL_LINKS`` names the links an email may hold, each a purpose and a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from webapp.extensions import db
from webapp.models import Invitation, Registration, SeriesSignup, WaitingEntry
from webapp.secret_keys import signing_keys


@dataclass(frozen=True)
class Purpose:
    """What a kind of signed link is for."""

    name: str
    #: The page that reads the token (``url_for(endpoint, token=...)``).
    endpoint: str
    #: Paths below which the token appears, e.g. ``/p/``: removed from logs.
    path_prefix: str
    #: The kind of row a token names (by id and token version).
    model: type = Registration

    @property
    def salt(self) -> str:
        """Each purpose signs with its own salt: a token of one opens nothing of another."""
        return f"webinar-desk/{self.name}"


PURPOSES: dict[str, Purpose] = {purpose.name: purpose for purpose in (
    Purpose("participant", "participant.home", "/p/"),
    Purpose("watch", "participant.watch", "/watch/"),
    Purpose("confirm-email", "participant.confirm_email", "/confirm/"),
    Purpose("invitation", "participant.invitation", "/i/", Invitation),
    # A place in a waiting list (a WaitingEntry): position, the offer, accept or leave.
    Purpose("waiting", "participant.waiting_entry", "/w/", WaitingEntry),
    # A person's sign-up for a series (a SeriesSignup): their events, leave some or all.
    Purpose("series", "participant.series_home", "/s/", SeriesSignup),
)}


@dataclass(frozen=True)
class EmailLink:
    """A link an email template can hold: ``links.<name>``."""

    purpose: str
    endpoint: str


EMAIL_LINKS: dict[str, EmailLink] = {
    "participant": EmailLink("participant", "participant.home"),
    "cancel": EmailLink("participant", "participant.confirm_cancel"),
    "watch": EmailLink("watch", "participant.watch"),
    "confirm": EmailLink("confirm-email", "participant.confirm_email"),
}


@lru_cache(maxsize=32)
def _serializer_for(keys: tuple[str, ...], purpose: str) -> URLSafeSerializer:
    """Built once per key list and purpose (building one costs more than signing)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return URLSafeSerializer(list(keys), salt=PURPOSES[purpose].salt)


def _serializer(purpose: str) -> URLSafeSerializer:
    """The serializer for one purpose: signs with SECRET_KEY, reads with it or any key
    in SECRET_KEY_FALLBACKS (links emailed before a key rotation keep working)."""
    return _serializer_for(signing_keys(current_app.config), purpose)


def make_token(purpose: str, registration) -> str:
    """A signed token for ``registration`` (or another row with an ``id`` and a
    ``token_version``: a waiting-list entry, a series sign-up) at its current version."""
    return _serializer(purpose).dumps([registration.id, registration.token_version])


def read_payload(purpose: str, token: str) -> tuple[int, int] | None:
    """(registration id, token version) from a token we signed, or None."""
    if len(token) > 200:
        return None
    try:
        payload = _serializer(purpose).loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(type(v) is int for v in payload)
    ):
        return None
    return payload[0], payload[1]


def read_token(purpose: str, token: str, model=None):
    """The row a token names (the purpose's kind of row, a registration by default, or
    ``model``), or None if tampered, foreign or revoked."""
    payload = read_payload(purpose, token)
    if payload is None:
        return None
    row = db.session.get(model or PURPOSES[purpose].model, payload[0])
    if row is None or row.token_version != payload[1]:
        return None
    return row
