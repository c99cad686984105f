"""The coordinators' workspace, part 2, in a real browser: the registrations table
searched as one types, a person's link sent again and seen in the mail list, and the
progress bar of "send the stream link now" followed to its end."""

from __future__ import annotations

import threading

from sqlalchemy import select

from tests.conftest import browser_sign_in, drain_mail, expect, watched
from webapp.extensions import db
from webapp.models import MailStatus, OutboxMessage


def signed_in_page(app, browser, live_server, user, errors):
    """A browser page signed in as ``user`` (password, then the authenticator's code)."""
    page = watched(browser.new_page(), errors)
    browser_sign_in(app, page, live_server, user)
    return page


def test_search_as_one_types_open_a_person_send_the_link_and_see_it_in_the_mail(
        app, browser, live_server, make_event, make_registration, make_user, page_errors):
    event = make_event()
    for name in ("Anna Virtanen", "Erik Lund", "Bo Lindqvist", "Lundia Oy Person"):
        make_registration(event, name=name, email=f"{name.split()[0].lower()}@example.org")
    page = signed_in_page(app, browser, live_server, make_user(events=[event]), page_errors)
    page.goto(f"{live_server}/manage/events/{event.id}/registrations")
    page.evaluate("window.notReloaded = true")
    rows = page.locator("#registrations tbody tr")
    expect(rows).to_have_count(4)
    page.get_by_label("Search").press_sequentially("lund", delay=40)
    expect(rows).to_have_count(2)
    page.get_by_label("Search").press_sequentially("ia", delay=40)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lundia Oy Person")
    assert page.evaluate("window.notReloaded") is True, "searched in place, no reload"
    assert "q=lundia" in page.url, "the address follows the search"
    page.get_by_label("Search").fill("lund")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(2)
    page.wait_for_load_state("networkidle")  # the search typed settles before ticking
    page.get_by_label("Erik Lund").check()
    page.get_by_label("Lundia Oy Person").check()
    page.get_by_label("With the selected").select_option("resend")
    page.get_by_role("button", name="Apply to the ticked rows").click()
    expect(page.locator("#bulk-result")).to_have_text("Done for 2 registrations.")
    assert page.evaluate("window.notReloaded") is True
    page.get_by_label("Search").fill("erik")
    page.get_by_label("Search").press("Enter")
    expect(rows).to_have_count(1)

    page.get_by_role("link", name="Erik Lund").click()
    expect(page.get_by_role("heading", name="Erik Lund")).to_be_visible()
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text("The link is on its way")).to_be_visible()
    expect(page.locator("#emails ~ table, section[aria-labelledby=emails] table")).to_contain_text(
        "Stream link")
    page.goto(f"{live_server}/manage/events/{event.id}/mail")
    message = page.locator("#messages tbody tr").first
    expect(message).to_contain_text("Erik Lund")
    expect(message).to_contain_text("Stream link")
    expect(message).to_contain_text("queued")
    expect(page.locator("#messages tbody tr")).to_have_count(3)  # two ticked, one again


def test_the_progress_bar_of_send_now_follows_the_outbox_to_the_end(
        app, browser, live_server, make_event, make_registration, make_user, page_errors):
    event = make_event()
    for n in range(6):
        make_registration(event, name=f"Viewer {n}")
    page = signed_in_page(app, browser, live_server, make_user(events=[event]), page_errors)
    page.goto(f"{live_server}/manage/events/{event.id}/mail")
    polls: list[str] = []
    page.on("request", lambda request: "/mail/progress" in request.url and polls.append(
        request.url))
    page.get_by_role("button", name="Send the stream link now to everyone who has not had it"
                     ).click()
    expect(page.get_by_text("The stream link is queued for 6 participants.")).to_be_visible()
    progress = page.locator("#stream-link-progress")
    expect(progress).to_contain_text("left: 6")
    expect(progress).to_contain_text("No sending rate is set")

    app.config["MAIL_RATE_PER_SECOND"] = 3  # about two seconds: the bar moves
    def work() -> None:  # the mail worker, in-process, as `flask mail drain` runs it
        with app.app_context():
            drain_mail(app)

    worker = threading.Thread(target=work)
    try:
        worker.start()
        expect(progress).to_contain_text("Done.", timeout=15_000)
    finally:
        worker.join()
        app.config["MAIL_RATE_PER_SECOND"] = 0
    expect(progress).to_contain_text("Sent: 6 · failed: 0 · left: 0")
    assert page.locator("#stream-link-bar").get_attribute("value") == "6"
    seen = len(polls)
    assert seen >= 2, "the bar asked the server while messages were left"
    page.wait_for_timeout(2500)
    assert len(polls) == seen, "polling stopped when everything was out"
    db.session.expire_all()
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {MailStatus.SENT}
