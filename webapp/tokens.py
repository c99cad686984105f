"""Signed links: one salt per purpose, holding the registration id and token version.

A token names a registration by its id and the token version it was made for,
signed with the application's secret. An id alone opens nothing, and bumping
``Registration.token_version`` revokes every link made before. itsdangerous
compares signatures in constant time.
"""

from __future__ import annotations

import hmac
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

from webapp.extensions import db
from webapp.models import Registration

PURPOSES = ("participant", "watch", "confirm-email")


def _serializer(purpose: str) -> URLSafeSerializer:
    """The serializer for one purpose; each has its own salt."""
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


class _Serializer(URLSafeSerializer):
    """itsdangerous' URL-safe serializer without its attempt to compress: a payload of
    two numbers never gets shorter, and zlib costs more than the signature. The tokens
    are the same as before, and compressed ones are still read."""

    def dump_payload(self, obj) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))  # the JSON, not compressed


@lru_cache(maxsize=32)
def _serializer_for(secret: str, purpose: str) -> URLSafeSerializer:
    """Built once per secret and purpose (building one costs more than signing)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _Serializer(secret, salt=f"webinar-desk/{purpose}")


def make_token(purpose: str, registration: Registration) -> str:
    """A signed token for ``registration`` at its current token version."""
    return _make(current_app.config["SECRET_KEY"], purpose, registration.id,
                 registration.token_version)


def sign_token(purpose: str, registration: Registration) -> str:
    """The same token, signed anew and not remembered: for emails, where each link
    is made once (remembering thousands of them would only hold memory)."""
    return _sign(current_app.config["SECRET_KEY"], purpose, registration.id,
                 registration.token_version)


def _sign(secret: str, purpose: str, registration_id: int, version: int) -> str:
    """What ``_serializer_for(secret, purpose).dumps([registration_id, version])`` gives
    (a test holds the two together), written directly: the payload of two numbers needs
    no JSON encoder, and the signer's key is derived once rather than for every link.
    A mail worker signs two links per email; this takes a quarter of the time."""
    if type(registration_id) is not int or type(version) is not int:
        return _serializer_for(secret, purpose).dumps([registration_id, version])
    payload = base64_encode(f"[{registration_id},{version}]")
    mac = _keyed_mac(secret, purpose).copy()
    mac.update(payload)
    return (payload + b"." + base64_encode(mac.digest())).decode("ascii")


@lru_cache(maxsize=32)
def _keyed_mac(secret: str, purpose: str) -> hmac.HMAC:
    """The HMAC of the purpose's itsdangerous signer, with its derived key already in."""
    signer = _serializer_for(secret, purpose).make_signer()
    return hmac.new(signer.derive_key(), digestmod=signer.algorithm.digest_method)


# Tokens are deterministic: a page asked for again and again signs its links once.
_make = lru_cache(maxsize=4096)(_sign)


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


def read_token(purpose: str, token: str) -> Registration | None:
    """The registration a token names, or None if tampered, foreign or revoked."""
    payload = read_payload(purpose, token)
    if payload is None:
        return None
    registration = db.session.get(Registration, payload[0])
    if registration is None or registration.token_version != payload[1]:
        return None
    return registration
