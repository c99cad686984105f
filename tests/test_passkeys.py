"""Passkeys (Flask-Security's WebAuthn) over HTTP: the pages stay behind sign-in, load
their scripts from files (the CSP allows no inline script), and say nothing about
accounts. The whole ceremony in a browser: tests/test_browser_passkeys.py."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import csrf_of, sign_in

SIGNED_IN_ONLY = (("GET", "/manage/wan-register"), ("POST", "/manage/wan-register"),
                  ("POST", "/manage/wan-register/some-state"), ("GET", "/manage/wan-delete"),
                  ("POST", "/manage/wan-delete"), ("GET", "/manage/wan-verify"),
                  ("POST", "/manage/wan-verify"), ("POST", "/manage/wan-verify/some-state"))


def _options(page: str) -> dict:
    return json.loads(html.unescape(re.search(r'data-passkey-options="([^"]+)"', page)[1]))


def test_passkey_pages_send_anonymous_visitors_to_sign_in(client):
    token = csrf_of(client, "/manage/login")
    for method, url in SIGNED_IN_ONLY:
        response = client.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 302 and "/manage/login" in response.location, url
        htmx = client.open(url, method=method, data={"csrf_token": token},
                           headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and "/manage/login" in htmx.headers["HX-Redirect"]


def test_registering_starts_from_the_menu_and_runs_no_inline_script(app, client, make_user):
    sign_in(app, client, make_user())
    assert 'href="/manage/wan-register"' in client.get("/manage/").get_data(as_text=True)
    page = client.get("/manage/wan-register")
    assert page.status_code == 200
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    started = client.post("/manage/wan-register", data={
        "name": "Laptop", "usage": "first", "csrf_token": csrf_of(client, "/manage/wan-register")})
    text = started.get_data(as_text=True)
    assert started.status_code == 200
    scripts = re.findall(r"<script([^>]*)>", text)
    assert scripts and all('src="' in attributes for attributes in scripts), scripts
    for src in re.findall(r'<script src="([^"]+)"', text):
        served = client.get(html.unescape(src))
        assert served.status_code == 200 and "javascript" in served.content_type, src
        served.close()
    options = _options(text)
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert "authenticatorAttachment" not in options["authenticatorSelection"]


def test_passkey_sign_in_is_public_and_asks_for_no_address(client, make_user):
    make_user()
    page = client.get("/manage/wan-signin")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="identity"' not in text
    assert 'name="remember"' not in text
    started = client.post("/manage/wan-signin", data={
        "identity": "coordinator@example.org", "csrf_token": csrf_of(client, "/manage/wan-signin")})
    assert _options(started.get_data(as_text=True)).get("allowCredentials", []) == []
