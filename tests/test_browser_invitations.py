"""Invitations and the door in a real browser: a coordinator pastes invitees, previews
and sends; the table's status follows the outbox without a reload; the invitee
accepts on a phone; the coordinator checks them in at the door on a phone (search as
you type, one tap, the count), a tap that cannot reach the server says so and is
simply repeated; and both coordinators' tables show it."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.conftest import browser_sign_in, drain_mail, expect, watched
from webapp.extensions import db
from webapp.models import Attendance, Registration, RegistrationKind, ViewMode

PHONE = {"width": 390, "height": 844}


def test_from_pasted_invitees_to_an_accepted_seat_and_an_arrival_at_the_door(
        app, browser, live_server, smtp, reference_event, make_user, page_errors, travel):
    travel("2021-11-10 12:00")
    reference_event.onsite_capacity = 80
    db.session.commit()
    event_id = reference_event.id
    user = make_user(events=[reference_event])
    context = browser.new_context()
    page = watched(context.new_page(), page_errors)
    browser_sign_in(app, page, live_server, user)

    page.goto(f"{live_server}/manage/events/{event_id}/invitations")
    page.get_by_label("Paste invitees").fill(
        "Anna Virtanen <anna.virtanen@heuni.fi>, HEUNI\n"
        "Åsa Öberg\tasa.oberg@example.se\tJämställdhetsmyndigheten\nno address here")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-counts")).to_have_text(re.compile(
        r"2 to invite\s+0 duplicates\s+1 line with an error"))
    expect(page.get_by_text("No email address found.")).to_be_visible()
    page.get_by_role("button", name="Invite 2 people").click()
    expect(page.get_by_text("2 people invited.")).to_be_visible()
    anna_row = page.locator("tr", has_text="anna.virtanen@heuni.fi")
    expect(anna_row).to_contain_text("On its way…")
    page.evaluate("window.notReloaded = true")

    drain_mail(app)  # the mail worker sends them: the table follows on its own
    expect(anna_row).to_contain_text("Sent", timeout=12_000)
    assert page.evaluate("window.notReloaded === true"), "the status swapped in, no reload"
    [invitation] = smtp.to("anna.virtanen@heuni.fi")
    url = re.search(r"http://localhost(/i/\S+)", invitation.get_body(
        preferencelist=("plain",)).get_content()).group(1)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    invitee = watched(phone.new_page(), page_errors)
    invitee.goto(live_server + url)
    expect(invitee.get_by_text("Invitation for Anna Virtanen, HEUNI")).to_be_visible()
    invitee.get_by_role("button", name="I attend on site").click()
    expect(invitee.get_by_text("Thank you: your seat is booked.")).to_be_visible()
    expect(invitee.get_by_text("You attend on site.")).to_be_visible()
    phone.close()

    page.reload()
    expect(page.locator("tr", has_text="anna.virtanen@heuni.fi")).to_contain_text("Accepted")
    expect(page.locator("#invitation-summary")).to_contain_text("Seats on site: 1 taken of 80.")

    # At the door, on the coordinator's phone.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/manage/events/{event_id}/checkin")
    count = page.locator("#checkin-count")
    expect(count).to_have_text("0 arrived of 1 expected")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Find by name, organisation or address").press_sequentially("virt")
    row = page.locator("li", has_text="Anna Virtanen")
    expect(row).to_be_visible()
    page.get_by_label("Find by name, organisation or address").fill("zzz")
    expect(page.get_by_text("Nobody expected on site matches “zzz”.")).to_be_visible()
    page.get_by_label("Find by name, organisation or address").fill("heuni")
    arrived = row.get_by_role("button", name="Arrived")
    box = arrived.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], \
        "one column: nothing wider than the phone"
    arrived.click()
    expect(count).to_have_text("1 arrived of 1 expected")
    expect(row).to_contain_text("Arrived at")

    context.set_offline(True)  # the hall's network drops
    row.get_by_role("button", name="Undo").click()
    expect(row.get_by_role("alert")).to_contain_text("The server could not be reached")
    expect(count).to_have_text("1 arrived of 1 expected")
    context.set_offline(False)
    row.get_by_role("button", name="Undo").click()  # the same tap again
    expect(count).to_have_text("0 arrived of 1 expected")
    row.get_by_role("button", name="Arrived").click()
    expect(count).to_have_text("1 arrived of 1 expected")
    assert page.evaluate("window.notReloaded === true"), "search and taps swapped in place"

    db.session.expire_all()
    registration = db.session.scalars(select(Registration).where(
        Registration.email == "anna.virtanen@heuni.fi")).one()
    assert registration.kind is RegistrationKind.ON_SITE and registration.arrived_at
    assert {a.mode for a in db.session.scalars(select(Attendance))} == {ViewMode.ON_SITE}
    page.goto(f"{live_server}/manage/events/{event_id}/invitations")
    expect(page.locator("tr", has_text="anna.virtanen@heuni.fi")).to_contain_text("Accepted")
    page.goto(f"{live_server}/manage/events/{event_id}/checkin?q=anna")
    expect(page.locator("li", has_text="Anna Virtanen")).to_contain_text("Arrived at")
    context.close()
