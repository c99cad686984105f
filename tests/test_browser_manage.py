"""The coordinators' area in a real browser: sign in with an authenticator code, edit a
programme part in place (htmx), and see the public page change."""

from __future__ import annotations

from tests.conftest import browser_sign_in, expect, watched


def test_sign_in_with_totp_edit_a_part_in_place_and_see_the_public_page(
        app, browser, live_server, make_event, make_user, page_errors):
    event = make_event()
    user = make_user(events=[event])
    page = watched(browser.new_page(), page_errors)
    browser_sign_in(app, page, live_server, user)

    page.get_by_role("link", name=event.title).click()
    page.get_by_role("link", name="Edit the programme").click()
    part = event.parts[0]
    row = page.locator(f"#part-{part.id}")
    page.evaluate("window.notReloaded = true")
    row.get_by_role("link", name="Edit").click()
    title = row.get_by_label("Title", exact=True).first  # (then its translations)
    expect(title).to_have_value(part.title)
    title.fill("Part I: The picture, renamed")
    row.get_by_role("button", name="Save").click()
    expect(row.get_by_role("heading", name="Part I: The picture, renamed")).to_be_visible()
    assert page.evaluate("window.notReloaded") is True, "edited in place, no reload"

    public = watched(browser.new_page(), page_errors)
    public.goto(f"{live_server}/events/{event.slug}")
    expect(public.get_by_role("heading", name="Part I: The picture, renamed")).to_be_visible()
