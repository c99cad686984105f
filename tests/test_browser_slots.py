"""In a real browser: signing up on site for seed 000's conference with one seminar per
slot, the seats left following on a second open page without a reload, and the
waiting list of a seminar that is full."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import expect, watched
from tests.slots import OPEN, STOCKHOLM, import_conference, option, registration_of
from webapp.extensions import db
from webapp.models import WaitingEntry


def fill_person(page, name: str, email: str) -> None:
    page.fill("#onsite-name", name)
    page.fill("#onsite-email", email)
    page.check("#onsite-consent")


def test_sign_up_choosing_seminars_seats_follow_live_and_a_full_one_is_waited_for(
        app, browser, live_server, travel, page_errors):
    travel(OPEN, STOCKHOLM)
    conference = import_conference()
    seminar_a = option(conference, "A")
    seminar_a.seat_limit = 2
    db.session.commit()
    slot_one, slot_two = (part.id for part in conference.slots)
    a_id = seminar_a.id
    url = f"{live_server}/events/{conference.slug}"
    app.config["PLACES_POLL_SECONDS"] = 1
    try:
        watcher = watched(browser.new_page(), page_errors)
        watcher.goto(url)
        seats_a = watcher.locator(f"#option-{a_id} .places-opt-{a_id}")
        expect(seats_a).to_have_text("2 seats left")
        watcher.evaluate("window.notReloaded = true")

        page = watched(browser.new_page(), page_errors)
        for name, email in (("Karin Berg", "karin@example.se"), ("Olof Lind", "olof@example.se")):
            page.goto(url)
            fill_person(page, name, email)
            page.check(f"#onsite-slot_{slot_one}-0")  # A
            page.check(f"#onsite-slot_{slot_two}-1")  # F
            page.click("#onsite-signup button[type=submit]")
            page.wait_for_url(f"{url}/check-your-email")
            if email == "karin@example.se":
                expect(seats_a).to_have_text("1 seat left", timeout=10_000)
        expect(seats_a).to_have_text("Full: waiting list", timeout=10_000)
        assert watcher.evaluate("window.notReloaded === true"), "updated in place, no reload"
        assert sorted(c.option.label for c in registration_of("karin@example.se").choices) == \
            ["A", "F"]

        page.goto(url)  # A looked free to this page a moment ago: someone chooses it
        fill_person(page, "Ida Sund", "ida@example.se")
        page.check(f"#onsite-slot_{slot_one}-0")
        page.check(f"#onsite-slot_{slot_two}-0")
        page.click("#onsite-signup button[type=submit]")
        error = page.locator(f"#onsite-slot_{slot_one}-error")
        expect(error).to_contain_text("is full: choose another, or join its waiting list",
                                      timeout=10_000)
        assert page.url == url, "the form was swapped in place"
        expect(page.locator(f"#onsite-wait_{slot_one}")).to_have_value(str(a_id))
        page.check(f"#onsite-slot_{slot_one}-1")  # B meanwhile, and A's waiting list
        page.click("#onsite-signup button[type=submit]")
        page.wait_for_url(f"{url}/check-your-email")
        ida = registration_of("ida@example.se")
        assert sorted(c.option.label for c in ida.choices) == ["B", "E"]
        entry = db.session.scalars(select(WaitingEntry)).one()
        assert (entry.option_id, entry.registration_id, entry.status.value) == (
            a_id, ida.id, "waiting")
        watcher.close()
        page.close()
    finally:
        app.config["PLACES_POLL_SECONDS"] = 15
