"""Rotating SECRET_KEY without breaking what was signed with the old one.

Everything signed with SECRET_KEY (emailed links, the session cookie, CSRF tokens, the
sign-up form's start stamp, Flask-Security's reset links) is signed with SECRET_KEY and
read with SECRET_KEY or any key in SECRET_KEY_FALLBACKS (Flask >= 3.1). itsdangerous
takes a list of keys, newest last: it signs with the last and reads with any.

- Flask's session cookie honours the fallbacks by itself (webapp/sessions.py keeps
  Flask's serializer, built once per key tuple).
- Flask-WTF 1.3 reads only WTF_CSRF_SECRET_KEY or SECRET_KEY; given the key list as
  WTF_CSRF_SECRET_KEY, its serializer signs with the newest key and reads any.
- Flask-Security 5.9 builds its serializers from ``[SECRET_KEY, *fallbacks]``, so it
  would sign with the oldest fallback; they are rebuilt here with the newest key last.
- Our own signed links (webapp/tokens.py) and the form stamp use ``signing_keys()``.

SECURITY_PASSWORD_SALT and SECURITY_TOTP_SECRET are other secrets, never rotated with
SECRET_KEY (README, Production).
"""

from __future__ import annotations

from flask import Flask
from itsdangerous import URLSafeSerializer, URLSafeTimedSerializer

#: Flask-Security's serializers: attribute on the Security object, name, class.
_SECURITY_SERIALIZERS = (
    ("remember_token_serializer", "remember", URLSafeTimedSerializer),
    ("login_serializer", "login", URLSafeTimedSerializer),
    ("reset_serializer", "reset", URLSafeTimedSerializer),
    ("change_email_serializer", "change_email", URLSafeTimedSerializer),
    ("confirm_serializer", "confirm", URLSafeTimedSerializer),
    ("us_setup_serializer", "us_setup", URLSafeTimedSerializer),
    ("tf_setup_serializer", "two_factor_setup", URLSafeTimedSerializer),
    ("tf_validity_serializer", "two_factor_validity", URLSafeTimedSerializer),
    ("wan_serializer", "wan", URLSafeTimedSerializer),
    ("refresh_token_serializer", "refresh_token", URLSafeSerializer),
)


def signing_keys(config) -> tuple[str, ...]:
    """The keys signed data is read with, oldest first; the last (SECRET_KEY) signs."""
    return (*(config["SECRET_KEY_FALLBACKS"] or ()), config["SECRET_KEY"])


def init_app(app: Flask) -> None:
    """Make Flask-WTF and Flask-Security sign with SECRET_KEY and read with the fallbacks
    too (after both are bound; again whenever the keys change, as in tests)."""
    fallbacks = list(app.config.get("SECRET_KEY_FALLBACKS") or ())
    app.config["SECRET_KEY_FALLBACKS"] = fallbacks
    if fallbacks:
        app.config["WTF_CSRF_SECRET_KEY"] = list(signing_keys(app.config))
    else:
        app.config.pop("WTF_CSRF_SECRET_KEY", None)
    security = app.extensions.get("security")
    if security is not None:
        keys = list(signing_keys(app.config))
        for attribute, name, kind in _SECURITY_SERIALIZERS:
            salt = app.config[f"SECURITY_{name.upper()}_SALT"]  # set by Flask-Security
            setattr(security, attribute, kind(keys, salt=salt))
