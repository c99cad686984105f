"""Security headers, CSRF, cookies, request logs and error pages."""

from __future__ import annotations

import json
import logging

import pytest

from webapp.extensions import db
from webapp.tokens import make_token


def test_every_page_has_the_security_headers(client, reference_event, travel):
    travel("2021-11-10 12:00")
    for path in ("/", f"/events/{reference_event.slug}", "/privacy", "/nowhere"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "frame-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer"}


def test_pages_have_no_inline_script():
    from tests.conftest import ROOT

    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and " on" + "click=" not in text, template
        if "email" not in template.parts:
            assert 'style="' not in text, f"inline style in {template}"


def test_the_watch_page_may_frame_only_the_stream_provider(client, reference_event, travel,
                                                          make_registration):
    registration = make_registration(reference_event)
    travel("2021-11-18 10:30")
    response = client.get(f"/watch/{make_token('watch', registration)}")
    assert "frame-src https://stream.example.org;" in response.headers["Content-Security-Policy"]
    travel("2021-11-18 09:00")
    before = client.get(f"/watch/{make_token('watch', registration)}")
    assert "frame-src https://stream.example.org;" in before.headers["Content-Security-Policy"], \
        "the page swaps the player in later: its policy must allow it from the start"
    assert "frame-src 'none'" in client.get(
        f"/events/{reference_event.slug}").headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_lax(client, reference_event, travel):
    travel("2021-11-10 12:00")
    client.get(f"/events/{reference_event.slug}")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure, "plain http in tests"


def test_session_cookie_is_secure_behind_https(monkeypatch, tmp_path):
    import importlib

    import config

    monkeypatch.setenv("BASE_URL", "https://events.example.org")
    try:
        assert importlib.reload(config).Config.SESSION_COOKIE_SECURE is True
    finally:
        monkeypatch.delenv("BASE_URL")
        importlib.reload(config)


def test_htmx_requests_send_the_csrf_token_and_are_refused_without(signup, client, travel):
    travel("2021-11-10 12:00")
    token = signup.form_fields()["csrf_token"]
    data = {"name": "A", "email": "a@example.org", "consent": "y",
            "started": signup.form_fields()["started"]}
    refused = client.post(f"/events/{signup.slug}/register", data=data,
                          headers={"HX-Request": "true"})
    assert refused.status_code == 400
    accepted = client.post(f"/events/{signup.slug}/register", data=data,
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert accepted.status_code == 204
    assert accepted.headers["HX-Redirect"].endswith("/check-your-email")


def test_request_logs_are_json_without_tokens_or_addresses(signup, client, travel, caplog):
    travel("2021-11-10 12:00")
    with caplog.at_level(logging.INFO, logger="webapp.requests"):
        link = signup.register(email="secret.person@example.org")
        client.get(link)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "webapp.requests"]
    assert {"method", "path", "status", "ms", "request_id"} <= set(lines[-1])
    assert lines[-1]["path"] == "/p/[token]" and lines[-1]["status"] == 200
    assert any(line["method"] == "POST" and line["status"] == 303 for line in lines)
    assert link.rsplit("/", 1)[1] not in caplog.text and "secret.person" not in caplog.text


def test_error_pages_are_friendly(app, client, monkeypatch):
    import webapp.public.routes

    def boom():
        raise RuntimeError("boom")

    monkeypatch.setattr(webapp.public.routes, "list_public_events", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/")
        assert response.status_code == 500
        assert "Nothing was saved; please try again." in response.get_data(as_text=True)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert client.post("/privacy").status_code in (400, 405)
    too_big = client.post("/events/x/register", data={"name": "x" * 70_000})
    assert (too_big.status_code == 413
            and "more data than any field takes" in too_big.get_data(as_text=True))


def test_rate_limits_can_be_shared_through_redis(app, travel):
    """Several app servers share one count when RATELIMIT_STORAGE_URI names Redis."""
    import redis

    from config import TestConfig
    from tests.conftest import REFERENCE, SignUp
    from webapp import create_app
    from webapp.services.event_import import import_event, load_event_file

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = db.engine.url.render_as_string(hide_password=False)
        RATELIMIT_STORAGE_URI = url
        SIGNUP_RATE_LIMIT = "2 per minute"

    servers = [create_app(Config), create_app(Config)]
    try:
        import_event(load_event_file(REFERENCE))
        db.session.commit()
        travel("2021-11-10 12:00")
        codes = []
        for n in range(3):
            client = servers[n % 2].test_client()
            signup = SignUp(client, "nordic-seminar-trafficking-2021")
            codes.append(signup.post(email=f"r{n}@example.org").status_code)
        assert codes == [303, 303, 429], "the third sign-up is refused by the other server"
    finally:
        redis.Redis.from_url(url).flushdb()
        for server in servers:
            with server.app_context():
                db.engine.dispose()
