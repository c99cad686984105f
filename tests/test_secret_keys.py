"""Rotating SECRET_KEY: what the old key signed still works while it is a fallback;
everything new is signed with the new key."""

from __future__ import annotations

import hashlib

import pytest
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from tests.conftest import SignUp, sign_in
from webapp import secret_keys
from webapp.tokens import PURPOSES, make_token

OLD, NEW = "test-secret-key", "a-new-secret-key-after-rotation"


@pytest.fixture
def keys(app):
    """``keys(NEW, fallbacks=[OLD])`` sets the keys as a restart with them would."""
    saved = (app.config["SECRET_KEY"], list(app.config["SECRET_KEY_FALLBACKS"]))

    def set_keys(secret: str, fallbacks=()):
        app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=list(fallbacks))
        secret_keys.init_app(app)

    yield set_keys
    set_keys(saved[0], saved[1])


def test_links_emailed_before_a_rotation_keep_working(client, reference_event,
                                                      make_registration, keys):
    registration = make_registration(reference_event)
    old_link = f"/p/{make_token('participant', registration)}"
    assert client.get(old_link).status_code == 200
    keys(NEW, fallbacks=[OLD])
    assert client.get(old_link).status_code == 200, "the fallback reads the old link"
    new_token = make_token("participant", registration)
    salt = PURPOSES["participant"].salt
    assert URLSafeSerializer(NEW, salt=salt).loads(new_token) == [
        registration.id, registration.token_version]
    with pytest.raises(BadSignature):
        URLSafeSerializer(OLD, salt=salt).loads(new_token)
    keys(NEW)
    assert client.get(old_link).status_code == 404, "without the fallback the old link is dead"
    assert client.get(f"/p/{new_token}").status_code == 200


def test_a_form_shown_before_a_rotation_can_be_sent_after_it(client, reference_event, travel,
                                                            keys):
    travel("2021-11-10 12:00")
    signup = SignUp(client, reference_event.slug)
    shown = signup.form_fields()  # session cookie, CSRF token and start stamp: old key
    keys(NEW, fallbacks=[OLD])
    response = signup.post(hidden=shown, email="after.rotation@example.org")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    client.get("/?lang=sv")  # a change to the session: written again, with the new key
    cookie = client.get_cookie("session").value
    flask_session = URLSafeTimedSerializer(NEW, salt="cookie-session", signer_kwargs={
        "key_derivation": "hmac", "digest_method": hashlib.sha1})
    assert "csrf_token" in flask_session.loads(cookie), "the session is signed with the new key"


def test_without_the_fallback_the_old_form_is_refused(client, reference_event, travel, keys):
    travel("2021-11-10 12:00")
    signup = SignUp(client, reference_event.slug)
    shown = signup.form_fields()
    keys(NEW)
    assert signup.post(hidden=shown, email="refused@example.org").status_code == 400


def test_a_coordinators_session_survives_a_rotation(app, client, make_user, keys):
    sign_in(app, client, make_user())
    assert client.get("/manage/").status_code == 200
    keys(NEW, fallbacks=[OLD])
    assert client.get("/manage/").status_code == 200
    keys(NEW)
    assert client.get("/manage/").status_code != 200, "the session was signed with the old key"


def test_flask_security_signs_with_the_new_key_and_reads_the_old(app, keys):
    security = app.extensions["security"]
    old = security.reset_serializer.dumps("user-1")
    keys(NEW, fallbacks=[OLD])
    assert security.reset_serializer.loads(old) == "user-1"
    fresh = security.reset_serializer.dumps("user-2")
    salt = app.config["SECURITY_RESET_SALT"]
    assert URLSafeTimedSerializer(NEW, salt=salt).loads(fresh) == "user-2"
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(OLD, salt=salt).loads(fresh)


def test_fallbacks_come_from_the_environment_oldest_first(monkeypatch):
    import importlib

    import config

    monkeypatch.setenv("SECRET_KEY_FALLBACKS", " oldest, older ,")
    try:
        assert importlib.reload(config).Config.SECRET_KEY_FALLBACKS == ["oldest", "older"]
        assert secret_keys.signing_keys(
            {"SECRET_KEY": "now", "SECRET_KEY_FALLBACKS": ["oldest", "older"]}
        ) == ("oldest", "older", "now")
    finally:
        monkeypatch.delenv("SECRET_KEY_FALLBACKS")
        importlib.reload(config)
