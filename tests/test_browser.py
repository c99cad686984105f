"""Real-browser tests (Playwright driving Debian's Chromium) for what only a browser shows.

Without /usr/bin/chromium they are skipped with the reason; under CI a skip is a failure.
"""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import expect, participant_link, watched
from webapp.extensions import db
from webapp.models import Registration


def registrations() -> list[Registration]:
    """Rows as they are now in the database."""
    db.session.expire_all()
    return db.session.scalars(select(Registration)).all()


def test_sign_up_with_inline_validation(browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.fill("#email", "not an email")
    page.press("#email", "Tab")
    error = page.locator("#email-error")
    error.filter(has_text="Please enter a valid email address").wait_for()
    assert page.url.endswith(f"/events/{open_event.slug}"), "no page load: HTMX swapped the message"
    page.fill("#email", "Maija.Meikalainen@Example.fi")
    page.press("#email", "Tab")
    expect(page.locator("#email-error")).to_have_text("")  # no page script: the CSP forbids eval
    page.fill("#name", "Maija Meikäläinen")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/events/{open_event.slug}/check-your-email")
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert [r.email for r in registrations()] == ["maija.meikalainen@example.fi"]
    page.close()


def test_invalid_submit_with_htmx_keeps_the_page_and_shows_errors(
        browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.click("button[type=submit]")
    page.locator("#name-error").filter(has_text="Please give your name.").wait_for()
    assert page.locator("#consent-error").inner_text().startswith("Please agree")
    assert page.title().startswith(f"Please check the form · {open_event.title}")
    assert registrations() == []
    page.close()


def test_sign_up_without_javascript(browser, live_server, open_event):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.fill("#name", "Erik Svensson")
    page.fill("#email", "bad")
    page.check("#consent")
    page.click("button[type=submit]")
    assert "Please enter a valid email address" in page.content()
    page.fill("#email", "erik@example.se")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/events/{open_event.slug}/check-your-email")
    assert "Check your email" in page.content()
    assert [r.name for r in registrations()] == ["Erik Svensson"]
    context.close()


def test_cancel_from_the_participant_page(browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.fill("#name", "Anna")
    page.fill("#email", "anna@example.org")
    page.check("#consent")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/events/{open_event.slug}/check-your-email")
    page.goto(live_server + participant_link("anna@example.org"))  # the link in the email
    page.click("text=Cancel my registration")
    page.click("text=Yes, cancel my registration")
    page.locator("text=Your registration has been cancelled.").wait_for()
    assert [r.status.value for r in registrations()] == ["cancelled"]
    page.close()


def test_watch_page_switches_to_the_player_without_a_reload(
        app, browser, live_server, reference_event, travel, page_errors, make_registration):
    from webapp.tokens import make_token

    registration = make_registration(reference_event, email="v@example.org", name="Viewer")
    app.config["WATCH_POLL_SECONDS"] = 1
    try:
        travel("2021-11-18 09:40")
        page = watched(browser.new_page(), page_errors)
        page.goto(f"{live_server}/watch/{make_token('watch', registration)}")
        assert page.locator("#watch-state").get_attribute("data-state") == "before"
        assert "The stream starts at 10:00 EET" in page.inner_text("#watch-state")
        page.evaluate("window.notReloaded = true")
        travel("2021-11-18 09:50")
        page.locator("#watch-state[data-state=live] iframe").wait_for(timeout=10_000)
        assert page.evaluate("window.notReloaded === true"), "swapped in place, no reload"
        assert "Live now: Part I" in page.inner_text("#watch-state")
        travel("2021-11-18 14:00")
        page.locator("#watch-state[data-state=pause]").wait_for(timeout=10_000)
        assert "not streamed; the stream resumes at 17:10 EET" in page.inner_text("#watch-state")
        page.close()
    finally:
        app.config["WATCH_POLL_SECONDS"] = 30
