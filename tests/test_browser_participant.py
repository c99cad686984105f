"""What only a browser shows on the participant's side: refusals shown where the user
looks, focus and aria-invalid after errors, the skip link, the consent box's size, the
small-screen Sign up link, and times in the reader's own zone."""

from __future__ import annotations

from tests.conftest import expect, watched


def test_a_refused_htmx_sign_up_shows_its_message_in_the_form(
        app, browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.evaluate("document.querySelector('input[name=csrf_token]').value = 'tampered'")
    page.evaluate("document.body.setAttribute('data-hx-headers', '{}')")
    page.fill("#name", "Anna")
    page.fill("#email", "anna@example.org")
    page.check("#consent")
    page.click("button[type=submit]")
    message = page.locator("#signup [data-messages] .notice")
    expect(message).to_contain_text("The form has expired or was sent from elsewhere")
    expect(message).to_be_focused()

    app.config["SIGNUP_RATE_LIMIT"] = "1 per minute"
    try:
        for email in ("first@example.org", "second@example.org"):
            page.goto(f"{live_server}/events/{open_event.slug}")
            page.fill("#name", "Someone")
            page.fill("#email", email)
            page.check("#consent")
            page.click("button[type=submit]")
            if email.startswith("first"):
                page.wait_for_url("**/check-your-email")
        expect(page.locator("#signup [data-messages] .notice")).to_contain_text(
            "Too many attempts in a short time")
    finally:
        app.config["SIGNUP_RATE_LIMIT"] = "1000 per minute"
    page_errors.clear()  # the browser logs the refused requests themselves (400, 429)


def test_errors_take_the_focus_and_aria_invalid_follows_the_field(
        browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.click("button[type=submit]")
    expect(page.locator("#name")).to_be_focused()
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    assert page.title().startswith("Please check the form")
    page.fill("#email", "not an address")
    page.press("#email", "Tab")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    page.fill("#email", "anna@example.org")
    page.press("#email", "Tab")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "false")


def test_skip_link_consent_target_and_the_small_screen_sign_up_link(
        browser, live_server, open_event, page_errors):
    page = watched(browser.new_page(viewport={"width": 375, "height": 740}), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "visible when focused"
    box = page.locator("#consent").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    label = page.locator("label[for=consent]").bounding_box()
    assert abs(label["y"] - box["y"]) < 30 and label["x"] > box["x"], "beside its label"
    jump = page.get_by_role("link", name="Sign up", exact=True)
    expect(jump).to_be_visible()
    assert jump.bounding_box()["y"] < 740, "on the first screen"
    wide = watched(browser.new_page(viewport={"width": 1200, "height": 900}), page_errors)
    wide.goto(f"{live_server}/events/{open_event.slug}")
    expect(wide.get_by_role("link", name="Sign up", exact=True)).to_be_hidden()


def test_times_carry_the_readers_own_zone(browser, live_server, open_event, page_errors):
    stockholm = browser.new_context(timezone_id="Europe/Stockholm")
    page = watched(stockholm.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    first = page.locator(".part time").first
    expect(first).to_contain_text("10:00–12:45 EET")
    expect(page.locator(".part .reader-time").first).to_have_text(" (09:00–11:45 CET)")
    stockholm.close()
    helsinki = browser.new_context(timezone_id="Europe/Helsinki")
    page = watched(helsinki.new_page(), page_errors)
    page.goto(f"{live_server}/events/{open_event.slug}")
    expect(page.locator(".part .reader-time")).to_have_count(0)
    helsinki.close()
