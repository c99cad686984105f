"""Passkeys in a real browser, with Chromium's virtual authenticator (DevTools
Protocol): sign in with the password and the authenticator code, register a passkey,
sign out, and sign in with the passkey alone; once the account is disabled, the passkey
no longer signs in."""

from __future__ import annotations

from tests.conftest import browser_sign_in, expect, watched


def _virtual_authenticator(page) -> None:
    """A platform authenticator (like a laptop's fingerprint reader) that verifies the user."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})


def test_register_a_passkey_then_sign_in_with_it_alone(
        app, browser, live_server, make_user, monkeypatch, page_errors, runner):
    # A passkey belongs to a domain name: Chromium refuses an IP address (127.0.0.1) as
    # the relying party ("This is an invalid domain"); localhost is a secure context.
    site = live_server.replace("127.0.0.1", "localhost")
    monkeypatch.setitem(app.config, "BASE_URL", site)  # the origin passkeys are bound to
    user = make_user()
    context = browser.new_context()
    page = watched(context.new_page(), page_errors)
    _virtual_authenticator(page)
    browser_sign_in(app, page, site, user)

    page.get_by_role("link", name="Passkeys").first.click()
    form = page.locator("#wan-register-form")
    form.get_by_label("Nickname").fill("Laptop")
    form.get_by_label("Use as a first authentication factor").check()
    form.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("cell", name="Laptop")).to_be_visible()
    expect(page.get_by_role("cell", name="Signs in alone")).to_be_visible()

    page.get_by_role("button", name="Sign out").first.click()
    expect(page.get_by_role("heading", name="Coordinators: sign in")).to_be_visible()
    page.get_by_role("link", name="Sign in with a passkey").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()
    assert page.url == f"{site}/manage/"

    page.get_by_role("button", name="Sign out").first.click()
    runner.invoke(args=["users", "disable", user.email])
    page.get_by_role("link", name="Sign in with a passkey").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_text("Account is disabled.")).to_be_visible()
    page.goto(f"{site}/manage/")
    expect(page.get_by_role("heading", name="Coordinators: sign in")).to_be_visible()
    context.close()
