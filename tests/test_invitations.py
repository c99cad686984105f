"""Invitations through HTTP, as coordinators and invitees use them: adding invitees from
a paste or a CSV file (preview first, nothing saved before confirming), sending,
reminding the unanswered, answers by hand, the invitee's page and its answers, the
RSVP deadline, revoking, and forwarded invitations asking for a seat."""

from __future__ import annotations

import os
import re
import threading

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from tests.conftest import count_queries, drain_mail, extract, text_of
from tests.invitations import (
    answer,
    base,
    confirm,
    invitation_of,
    invitations,
    invite,
    link,
    outbox_rows,
    post,
    preview,
    sign_in_again,
)
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    Event,
    Invitation,
    InvitationAnswer,
    MailKind,
    MailStatus,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    SeatRequest,
)

OPEN = "2021-11-10 12:00"
LIST = "\n".join([
    "Anna Virtanen <anna.virtanen@heuni.fi>, HEUNI",
    '"Roth, Venla" <venla.roth@gov.fi>; Bo Ek <bo.ek@polisen.se>',
    "Åsa Öberg\tasa.oberg@example.se\tJämställdhetsmyndigheten",
    "this line has no address",
    "ANNA.VIRTANEN@heuni.fi",
    "Matti Mäkinen, matti@example, Poliisihallitus",
])


@pytest.fixture
def event(make_event, travel):
    travel(OPEN)
    return make_event(onsite_capacity=10, rsvp_closes_at="2021-11-15")


@pytest.fixture
def coordinator(coordinator_client, event):
    return coordinator_client(events=[event])


def audit_actions() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()


def registration_of(email: str) -> Registration | None:
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.email == email))


# --- adding invitees --------------------------------------------------------------


def test_a_paste_is_previewed_line_by_line_and_nothing_is_saved_before_confirming(
        coordinator, event):
    first = invite(coordinator, event, "Venla Roth <venla.roth@gov.fi>", send=False)
    assert first.status_code == 303
    shown = preview(coordinator, event, LIST)
    assert shown.status_code == 200
    page = text_of(shown.get_data(as_text=True))
    assert "3 to invite 2 duplicates 2 lines with errors" in page
    assert "1 Anna Virtanen anna.virtanen@heuni.fi HEUNI Will be invited" in page
    assert "2 Roth, Venla venla.roth@gov.fi Already invited" in page
    assert "2 Bo Ek bo.ek@polisen.se Will be invited" in page
    assert "3 Åsa Öberg asa.oberg@example.se Jämställdhetsmyndigheten Will be invited" in page
    assert "4 this line has no address Error: No email address found." in page
    assert "5 – anna.virtanen@heuni.fi Duplicate of line 1" in page
    assert "Error: Not a valid email address: matti@example" in page
    assert [i.email for i in invitations()] == ["venla.roth@gov.fi"], "a preview saves nothing"

    added = confirm(coordinator, event, shown)
    assert added.status_code == 303
    assert [(i.name, i.email, i.organisation) for i in invitations()] == [
        ("Venla Roth", "venla.roth@gov.fi", ""),
        ("Anna Virtanen", "anna.virtanen@heuni.fi", "HEUNI"),
        ("Bo Ek", "bo.ek@polisen.se", ""),
        ("Åsa Öberg", "asa.oberg@example.se", "Jämställdhetsmyndigheten")]
    assert len(outbox_rows(MailKind.INVITATION)) == 3, "sent: the box was ticked"
    assert outbox_rows()[0].registration_id is None
    assert "3 people invited. The invitations are on their way." in text_of(
        coordinator.get(base(event)).get_data(as_text=True))
    assert audit_actions()[-2:] == ["invitation.add", "invitation.send"]


def test_confirming_reads_the_submitted_text_again_and_invites_each_address_once(
        coordinator, event):
    shown = preview(coordinator, event, "Anna <anna@x.fi>\nBo <bo@y.se>")
    assert confirm(coordinator, event, shown).status_code == 303
    again = confirm(coordinator, event, shown)  # the same form sent twice (a double click)
    assert again.status_code == 303
    assert [i.email for i in invitations()] == ["anna@x.fi", "bo@y.se"]
    assert len(outbox_rows(MailKind.INVITATION)) == 2
    forged = coordinator.post(f"{base(event)}/add", data={
        "confirm-csrf_token": re.search(r'name="confirm-csrf_token"[^>]*value="([^"]+)"',
                                        shown.get_data(as_text=True)).group(1),
        "confirm-text": "Eve <eve@z.fi>", "confirm-source": "sql"})
    assert forged.status_code == 400 and len(invitations()) == 2


@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("utf-8-sig", ";"),
                                                 ("cp1252", ";"), ("cp1252", ",")])
def test_a_csv_upload_in_excels_encodings_keeps_the_nordic_letters(
        coordinator, event, encoding, delimiter):
    rows = [["Namn", "E-post", "Organisation"],
            ["Åsa Öberg", "asa@example.se", "Jämställdhetsmyndigheten"],
            ["Matti Mäkinen", "MATTI@example.fi", "Poliisihallitus"],
            ["Ärla Ånge", "not an address", ""]]
    text = "\r\n".join(delimiter.join(row) for row in rows) + "\r\n"
    shown = preview(coordinator, event, upload=(text.encode(encoding), "invitees.csv"))
    page = text_of(shown.get_data(as_text=True))
    assert shown.status_code == 200, page[:500]
    assert "2 Åsa Öberg asa@example.se Jämställdhetsmyndigheten Will be invited" in page
    assert "4 Ärla Ånge; not an address Error: Not a valid email address" in page
    assert confirm(coordinator, event, shown).status_code == 303
    assert [(i.name, i.email) for i in invitations()] == [("Åsa Öberg", "asa@example.se"),
                                                          ("Matti Mäkinen", "matti@example.fi")]


def test_an_empty_paste_or_a_binary_file_is_refused_with_a_message(coordinator, event):
    empty = preview(coordinator, event, "  \n ")
    assert empty.status_code == 422
    assert "Paste a list of invitees or choose a file." in text_of(empty.get_data(as_text=True))
    binary = preview(coordinator, event, upload=(b"PK\x03\x04\x00\x00", "list.xlsx"))
    assert binary.status_code == 422
    assert "The file is not a text or CSV file." in text_of(binary.get_data(as_text=True))
    assert invitations() == []


def test_invitations_of_a_draft_are_not_sent_and_nothing_is_saved(coordinator_client,
                                                                   make_event, travel):
    travel(OPEN)
    draft = make_event(slug="draft", status="draft")
    client = coordinator_client(events=[draft])
    refused = invite(client, draft, "Anna <anna@x.fi>")
    assert refused.status_code == 409
    assert "Publish the event before sending invitations" in text_of(
        refused.get_data(as_text=True))
    assert invitations() == [] and outbox_rows() == []
    assert invite(client, draft, "Anna <anna@x.fi>", send=False).status_code == 303
    assert len(invitations()) == 1 and outbox_rows() == []


def test_another_coordinators_event_is_not_there(coordinator_client, make_event, event):
    other = make_event(slug="other")
    client = coordinator_client(events=[other])
    assert client.get(base(event)).status_code == 404
    assert client.get(f"/manage/events/{event.id}/checkin").status_code == 404


# --- sending, status, reminders ----------------------------------------------------


def test_the_invitation_arrives_with_its_personal_link_and_the_table_follows_it(
        app, smtp, client, coordinator, event):
    invite(coordinator, event, "Anna Virtanen <anna@heuni.fi>, HEUNI\nBo Ek <bo@polisen.se>")
    smtp.behaviour.refuse = {"bo@polisen.se"}
    status = coordinator.get(f"{base(event)}/status", headers={"HX-Request": "true"})
    fragment = status.get_data(as_text=True)
    assert 'data-hx-trigger="every 5s"' in fragment, "polls while emails are on their way"
    assert text_of(fragment).count("On its way…") == 2

    assert drain_mail(app).sent == 1
    [message] = smtp.to("anna@heuni.fi")
    assert message["Subject"] == ("Invitation: Seminar on best practice against human "
                                  "trafficking in the Nordic countries")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hello Anna Virtanen," in text
    assert "Please answer by Monday 15 November 2021, 23:59 EET" in text
    url = re.search(r"http://localhost(/i/\S+)", text).group(1)
    assert url == link(invitation_of("anna@heuni.fi"))
    assert outbox_rows(MailKind.INVITATION)[0].context == {"subject": message["Subject"]}, \
        "once sent, the link is no longer kept"

    fragment = coordinator.get(f"{base(event)}/status",
                               headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "every 5s" not in fragment, "nothing on its way: the polling stops"
    assert re.search(r'invitation-status-\d+" class="status status-sent', fragment)
    assert "Failed : 550 5.1.1 No such user here" in text_of(fragment)

    page = client.get(url)  # the invitee opens it
    assert page.status_code == 200
    shown = text_of(page.get_data(as_text=True))
    assert "Invitation for Anna Virtanen, HEUNI" in shown and "Sent to an…@heuni.fi" in shown
    assert "anna@heuni.fi" not in shown, "the address is partly masked"
    table = text_of(coordinator.get(base(event)).get_data(as_text=True))
    assert "Anna Virtanen HEUNI anna@heuni.fi Opened" in table
    assert invitation_of("anna@heuni.fi").answer is None, "opening answers nothing"


def test_reminders_go_only_to_those_who_have_not_answered(app, coordinator, event):
    invite(coordinator, event, "\n".join(f"P{n} <p{n}@x.fi>" for n in range(5)))
    invite(coordinator, event, "Never sent <late@x.fi>", send=False)
    people = {i.email: i for i in invitations()}
    invitee = app.test_client()
    assert answer(invitee, people["p0@x.fi"], "accept").status_code == 303
    assert answer(invitee, people["p1@x.fi"], "decline").status_code == 303
    invitee.get(link(people["p2@x.fi"]))  # opened, not answered
    reminded = post(coordinator, f"{base(event)}/remind", form_url=base(event))
    assert reminded.status_code == 303
    reminders = outbox_rows(MailKind.INVITATION_REMINDER)
    assert sorted(row.context["to"] for row in reminders) == ["p2@x.fi", "p3@x.fi", "p4@x.fi"]
    assert "3 reminders are on their way." in text_of(
        coordinator.get(base(event)).get_data(as_text=True))

    selected = post(coordinator, f"{base(event)}/remind-selected", {"invitation": [
        people["p0@x.fi"].id, people["p4@x.fi"].id, people["late@x.fi"].id]},
        form_url=base(event))
    assert selected.status_code == 303
    assert len(outbox_rows(MailKind.INVITATION_REMINDER)) == 3, "p4 reminded within the hour"
    assert "Nobody to remind" in text_of(coordinator.get(base(event)).get_data(as_text=True))


def test_reminding_the_selected_reminds_only_those_ticked(app, coordinator, event):
    invite(coordinator, event, "A <a@x.fi>\nB <b@x.fi>\nC <c@x.fi>")
    people = {i.email: i for i in invitations()}
    foreign = post(coordinator, f"{base(event)}/remind-selected", {"invitation": ["999"]},
                   form_url=base(event))
    assert foreign.status_code == 422 and outbox_rows(MailKind.INVITATION_REMINDER) == []
    post(coordinator, f"{base(event)}/remind-selected",
         {"invitation": [people["a@x.fi"].id, people["c@x.fi"].id]}, form_url=base(event))
    assert sorted(r.context["to"] for r in outbox_rows(MailKind.INVITATION_REMINDER)) == [
        "a@x.fi", "c@x.fi"]
    assert invitation_of("a@x.fi").reminders_sent == 1
    assert invitation_of("b@x.fi").reminders_sent == 0


def test_send_resend_and_revoke_one_invitation(app, client, coordinator, event):
    invite(coordinator, event, "Anna <anna@x.fi>", send=False)
    [invitation] = invitations()
    url = f"{base(event)}/{invitation.id}"
    assert post(coordinator, f"{url}/send", form_url=base(event)).status_code == 303
    assert post(coordinator, f"{url}/send", form_url=base(event)).status_code == 303
    assert len(outbox_rows(MailKind.INVITATION)) == 2, "resend sends again"
    old_link = link(invitation_of("anna@x.fi"))
    assert post(coordinator, f"{url}/revoke", form_url=base(event)).status_code == 303
    assert outbox_rows(MailKind.INVITATION)[-1].status is MailStatus.SKIPPED, \
        "an invitation not sent yet is not sent once withdrawn"
    gone = client.get(old_link)
    assert gone.status_code == 410
    assert "This invitation link no longer works" in text_of(gone.get_data(as_text=True))
    assert "Withdrawn" in text_of(coordinator.get(base(event)).get_data(as_text=True))
    assert post(coordinator, f"{url}/send", form_url=base(event)).status_code == 303
    assert client.get(old_link).status_code == 410, "the withdrawn link stays dead"
    assert client.get(link(invitation_of("anna@x.fi"))).status_code == 200
    assert audit_actions()[-4:] == ["invitation.send", "invitation.resend",
                                    "invitation.revoke", "invitation.resend"]


def test_tampered_and_foreign_links_open_nothing(client, coordinator, event):
    invite(coordinator, event, "Anna <anna@x.fi>")
    good = link(invitations()[0])
    for bad in (good[:-2] + ("AA" if good[-2:] != "AA" else "BB"), "/i/1", "/i/" + "x" * 500):
        assert client.get(bad).status_code == 404
    participant = "/p/" + good.split("/i/")[1]
    assert client.get(participant).status_code == 404, "a purpose opens only its own pages"


# --- answers by hand ---------------------------------------------------------------


def test_answers_given_by_phone_are_recorded_with_a_note(app, coordinator, event, travel):
    invite(coordinator, event, "Anna <anna@x.fi>\nBo <bo@y.se>")
    anna, bo = invitations()
    travel("2021-11-17 09:00")  # after the deadline: coordinators may still record
    sign_in_again(app, coordinator)
    url = f"{base(event)}/{anna.id}/answer"
    recorded = post(coordinator, url, {f"answer-{anna.id}-answer": "accepted",
                                       f"answer-{anna.id}-note": "by phone, 17 Nov"},
                    form_url=base(event))
    assert recorded.status_code == 303
    anna = invitation_of("anna@x.fi")
    assert anna.answer is InvitationAnswer.ACCEPTED
    assert anna.answered_by == "coordinator@example.org" and anna.answer_note == "by phone, 17 Nov"
    registration = registration_of("anna@x.fi")
    assert registration.kind is RegistrationKind.ON_SITE and registration.is_active
    assert any(r.kind is MailKind.CONFIRMATION and r.registration_id == registration.id
               for r in outbox_rows())
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "invitation.answer")).one()
    assert entry.note == "by phone, 17 Nov" and entry.changes == {"answer": [None, "accepted"]}
    assert entry.actor == "coordinator@example.org"

    declined = post(coordinator, url, {f"answer-{anna.id}-answer": "declined",
                                       f"answer-{anna.id}-note": "mailed: ill"},
                    form_url=base(event))
    assert declined.status_code == 303
    assert registration_of("anna@x.fi").status is RegistrationStatus.CANCELLED, "seat freed"
    table = text_of(coordinator.get(base(event)).get_data(as_text=True))
    assert "Declined 2021-11-17 09:00 · recorded by coordinator@example.org “mailed: ill”" in table

    too_long = post(coordinator, f"{base(event)}/{bo.id}/answer",
                    {f"answer-{bo.id}-answer": "declined", f"answer-{bo.id}-note": "x" * 1001},
                    form_url=base(event))
    assert too_long.status_code == 422 and invitation_of("bo@y.se").answer is None
    shown = too_long.get_data(as_text=True)
    assert "Field cannot be longer than 1000 characters." in text_of(shown)
    assert shown.count("<details open>") == 1, "the form in error is open, the others not"


# --- the invitee's answers ---------------------------------------------------------


def test_accepting_books_a_seat_with_a_confirmation_and_the_calendar_of_every_part(
        app, smtp, coordinator, event):
    event_id = event.id
    invite(coordinator, event, "Anna Virtanen <anna@heuni.fi>, HEUNI")
    [invitation] = invitations()
    invitee = app.test_client()
    accepted = answer(invitee, invitation, "accept")
    assert accepted.status_code == 303 and accepted.headers["Location"] == link(invitation)
    registration = registration_of("anna@heuni.fi")
    assert (registration.kind, registration.status, registration.name,
            registration.organisation) == (RegistrationKind.ON_SITE,
                                           RegistrationStatus.REGISTERED,
                                           "Anna Virtanen", "HEUNI")
    assert invitation_of("anna@heuni.fi").registration_id == registration.id
    page = text_of(invitee.get(link(invitation)).get_data(as_text=True))
    assert "Thank you: your seat is booked." in page and "You attend on site." in page

    drain_mail(app)
    [invitation_mail, confirmation] = smtp.to("anna@heuni.fi")
    assert confirmation["Subject"].startswith("Registered: ")
    [attachment] = list(confirmation.iter_attachments())
    events = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    assert [str(e["SUMMARY"]).split(": ", 1)[1] for e in events] == [
        "Part I: The overall picture", "Part II: Workshops", "Part III: Conclusions"], \
        "on site: every part, the workshops too"
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    participant = re.search(r"Your registration: http://localhost(/p/\S+)", text).group(1)
    assert "You attend on site." in text_of(invitee.get(participant).get_data(as_text=True))
    cancel = post(invitee, f"{participant}/cancel", form_url=f"{participant}/cancel")
    assert cancel.status_code == 303
    from webapp.services.places import places_left

    assert places_left(db.session.get(Event, event_id), RegistrationKind.ON_SITE) == 10, \
        "the seat is free again"
    table = text_of(coordinator.get(f"/manage/events/{event_id}/invitations").get_data(
        as_text=True))
    assert "Accepted, then cancelled" in table and "0 accepted" in table
    page = invitee.get(link(invitation)).get_data(as_text=True)
    assert "You cancelled your registration." in text_of(page) and "I attend on site" in page
    assert answer(invitee, invitation, "accept").status_code == 303, "and back again"
    assert registration_of("anna@heuni.fi").is_active


def test_a_get_never_answers_and_posts_need_the_csrf_token(app, coordinator, event):
    invite(coordinator, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    invitee = app.test_client()
    for path in ("", "/accept", "/decline", "/web"):
        invitee.get(link(invitation) + path)
    assert invitee.post(link(invitation) + "/accept").status_code == 400
    assert invitation_of("anna@x.fi").answer is None
    assert invitation_of("anna@x.fi").opened_at is not None
    assert registration_of("anna@x.fi") is None


def test_decline_with_a_message_then_change_the_answer_until_the_deadline(
        app, coordinator, event, travel):
    invite(coordinator, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    invitee = app.test_client()
    declined = answer(invitee, invitation, "decline", message="Sorry, I teach that day.")
    assert declined.status_code == 303
    invitation = invitation_of("anna@x.fi")
    assert (invitation.answer, invitation.answer_note) == (InvitationAnswer.DECLINED,
                                                           "Sorry, I teach that day.")
    page = text_of(invitee.get(link(invitation)).get_data(as_text=True))
    assert "You declined." in page and "You can change your answer until" in page
    assert answer(invitee, invitation, "accept").status_code == 303
    assert registration_of("anna@x.fi").kind is RegistrationKind.ON_SITE
    assert answer(invitee, invitation, "decline").status_code == 303
    assert registration_of("anna@x.fi").status is RegistrationStatus.CANCELLED
    table = text_of(coordinator.get(base(event)).get_data(as_text=True))
    assert "Declined" in table and "0 accepted" in table and "1 declined" in table


def test_follow_on_the_web_instead_and_back_on_site(app, coordinator_client, make_event,
                                                   travel):
    travel(OPEN)
    event = make_event(onsite_capacity=1, require_email_confirmation=True)
    invite(coordinator_client(events=[event]), event, "Anna <anna@x.fi>")
    [invitation] = invitations(event)
    invitee = app.test_client()
    assert answer(invitee, invitation, "accept").status_code == 303
    on_web = answer(invitee, invitation, "web")
    assert on_web.status_code == 303
    registration = registration_of("anna@x.fi")
    assert (registration.kind, registration.status) == (RegistrationKind.WEB,
                                                        RegistrationStatus.REGISTERED), \
        "the invitation's link proved the address: no double opt-in wait"
    assert invitation_of("anna@x.fi").answer is InvitationAnswer.WEB
    page = text_of(invitee.get(link(invitation)).get_data(as_text=True))
    assert "You follow on the web." in page and "I attend on site" in page, "the seat is free"
    assert answer(invitee, invitation, "accept").status_code == 303
    assert registration_of("anna@x.fi").kind is RegistrationKind.ON_SITE


def test_an_invitee_already_on_the_web_keeps_the_place_when_the_web_is_full(
        app, coordinator_client, make_event, make_registration, travel):
    travel(OPEN)
    event = make_event(web_capacity=1)
    kept = make_registration(event, email="anna@x.fi")
    invite(coordinator_client(events=[event]), event, "Anna <anna@x.fi>")
    [invitation] = invitations(event)
    assert answer(app.test_client(), invitation, "web").status_code == 303
    assert registration_of("anna@x.fi").id == kept.id
    assert invitation_of("anna@x.fi").answer is InvitationAnswer.WEB


def test_an_invitee_who_never_registered_gets_a_web_registration(app, coordinator, event):
    invite(coordinator, event, "bo@y.se")
    [invitation] = invitations()
    invitee = app.test_client()
    assert answer(invitee, invitation, "web", name="Bo Ek").status_code == 303
    registration = registration_of("bo@y.se")
    assert (registration.kind, registration.name) == (RegistrationKind.WEB, "Bo Ek")
    assert [r.kind for r in outbox_rows() if r.registration_id == registration.id] == [
        MailKind.CONFIRMATION]


def test_the_rsvp_deadline_takes_its_last_second_and_refuses_the_next(
        app, coordinator, event, travel):
    invite(coordinator, event, "Anna <anna@x.fi>\nBo <bo@y.se>")
    anna, bo = invitations()
    invitee = app.test_client()
    travel("2021-11-15 23:59:59")
    assert answer(invitee, anna, "accept").status_code == 303
    travel("2021-11-16 00:00:00")
    refused = answer(invitee, bo, "accept")
    assert refused.status_code == 403
    page = text_of(refused.get_data(as_text=True))
    assert "Answers closed on Monday 15 November 2021, 23:59 EET." in page
    assert registration_of("bo@y.se") is None
    shown = invitee.get(link(bo)).get_data(as_text=True)
    assert "Answers are closed" in text_of(shown) and "I attend on site" not in shown
    assert f'href="/events/{event.slug}">sign up on the event page' in shown
    assert answer(invitee, anna, "decline").status_code == 403, "no change after the deadline"
    assert registration_of("anna@x.fi").is_active
    assert "Your answer above stands" in text_of(invitee.get(link(anna)).get_data(as_text=True))


def test_without_a_deadline_answers_are_taken_until_the_event_starts(
        app, coordinator_client, make_event, travel):
    travel(OPEN)
    event = make_event(slug="no-deadline", onsite_capacity=5)
    client = coordinator_client(events=[event])
    invite(client, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    travel("2021-11-18 10:00:00")
    assert answer(app.test_client(), invitation, "accept").status_code == 303
    travel("2021-11-18 10:00:01")
    assert answer(app.test_client(), invitation, "decline").status_code == 403


def test_no_seats_left_says_follow_on_the_web_instead(app, coordinator_client, make_event,
                                                      make_registration, travel):
    travel(OPEN)
    event = make_event(slug="full", onsite_capacity=1)
    make_registration(event, kind="on_site")
    client = coordinator_client(events=[event])
    invite(client, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    invitee = app.test_client()
    page = invitee.get(link(invitation)).get_data(as_text=True)
    assert "No seats left on site: please follow on the web instead." in text_of(page)
    assert "I attend on site" not in page and "I follow on the web instead" in page
    refused = answer(invitee, invitation, "accept")
    assert refused.status_code == 409
    assert "No seats left: please follow on the web instead." in text_of(
        refused.get_data(as_text=True))
    assert invitation_of("anna@x.fi").answer is None and registration_of("anna@x.fi") is None


# --- forwarded invitations ---------------------------------------------------------


def test_a_forwarded_invitation_asks_for_a_seat_the_same_way_whatever_the_address(
        app, smtp, coordinator, event):
    invite(coordinator, event, "Anna Virtanen <anna@heuni.fi>\nBo <bo@y.se>")
    anna = invitation_of("anna@heuni.fi")
    colleague = app.test_client()
    answers = []
    for email in ("bo@y.se", "cecilia@heuni.fi", "anna@heuni.fi"):
        response = answer(colleague, anna, "seat", name="Someone", email=email,
                          organisation="HEUNI", consent="y")
        answers.append((response.status_code, response.headers.get("Location")))
        page = text_of(colleague.get(link(anna)).get_data(as_text=True))
        assert "Your request is passed on to the organisers" in page
    assert len(set(answers)) == 1, "the same answer whatever the address"
    assert invitation_of("anna@heuni.fi").answer is None, "asking answers nothing for Anna"
    requests = db.session.scalars(select(SeatRequest).order_by(SeatRequest.id)).all()
    assert [r.email for r in requests] == ["bo@y.se", "cecilia@heuni.fi", "anna@heuni.fi"]

    table = text_of(coordinator.get(base(event)).get_data(as_text=True))
    assert "Someone HEUNI cecilia@heuni.fi Anna Virtanen Approve and invite Refuse" in table
    cecilia, bo_again = requests[1], requests[0]
    approve = f"/manage/events/{event.id}/seat-requests/{cecilia.id}/approve"
    assert post(coordinator, approve, form_url=base(event)).status_code == 303
    assert post(coordinator, approve, form_url=base(event)).status_code == 409, "once"
    refuse = f"/manage/events/{event.id}/seat-requests/{bo_again.id}/refuse"
    assert post(coordinator, refuse, form_url=base(event)).status_code == 303
    drain_mail(app)
    [own] = smtp.to("cecilia@heuni.fi")
    assert own["Subject"].startswith("Invitation: ")
    own_link = re.search(r"http://localhost(/i/\S+)", own.get_body(
        preferencelist=("plain",)).get_content()).group(1)
    assert own_link == link(invitation_of("cecilia@heuni.fi"))
    refused = [m for m in smtp.to("bo@y.se") if m["Subject"].startswith("Your request")]
    [no] = refused
    assert "we cannot offer you a seat on site" in no.get_body(
        preferencelist=("plain",)).get_content()
    assert "seat_request.approve" in audit_actions() and "seat_request.refuse" in audit_actions()


def test_asking_for_a_seat_needs_a_valid_form(app, coordinator, event):
    invite(coordinator, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    refused = answer(app.test_client(), invitation, "seat", name="", email="nope")
    assert refused.status_code == 422
    page = text_of(refused.get_data(as_text=True))
    assert "Please give your name." in page and "Please enter a valid email address" in page
    assert db.session.scalar(select(func.count(SeatRequest.id))) == 0


# --- the event's RSVP deadline in the format and the editor -------------------------


def test_the_rsvp_deadline_in_the_event_format_editor_and_export(coordinator_client,
                                                                   make_event):
    from io import BytesIO

    from webapp.services.event_export import event_document

    event = make_event(rsvp_closes_at="2021-11-12")
    assert event.rsvp_closes_at.isoformat() == "2021-11-12T21:59:59+00:00", "end of that day"
    client = coordinator_client(admin=True)
    exported = client.get(f"/manage/events/{event.id}/export.yaml").get_data(as_text=True)
    assert "rsvp_closes_at: '2021-11-12 23:59:59'" in exported
    before = event_document(event)
    db.session.delete(event)
    db.session.commit()
    imported = post(client, "/manage/events/import",
                    {"file": (BytesIO(exported.encode()), "event.yaml")},
                    content_type="multipart/form-data")
    assert imported.status_code == 303
    again = db.session.scalars(select(Event)).one()
    assert event_document(again) == before

    edit = f"/manage/events/{again.id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert 'name="rsvp_closes_at" placeholder="2021-11-12" type="text" value="2021-11-12"' in form
    fields = dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form))
    fields.pop("require_email_confirmation")  # (not ticked)
    fields.update(title=again.title, language="en", rsvp_closes_at="2021-11-19")
    late = client.post(edit, data=fields)
    assert late.status_code == 422
    assert "must not be after the event ends" in text_of(late.get_data(as_text=True))
    fields["rsvp_closes_at"] = "2021-11-14 12:00"
    assert client.post(edit, data=fields).status_code == 303
    db.session.expire_all()
    assert again.rsvp_closes_at.isoformat() == "2021-11-14T10:00:00+00:00"


def test_invitations_go_with_the_event_and_with_the_persons_own_deletion(
        app, coordinator, event):
    invite(coordinator, event, "Anna <anna@x.fi>")
    [invitation] = invitations()
    answer(app.test_client(), invitation, "accept")
    from webapp.services.privacy import delete_registration

    with app.test_request_context():
        delete_registration(registration_of("anna@x.fi"))
        db.session.commit()
    assert db.session.scalar(select(func.count(Invitation.id))) == 0, \
        "deleting one's data deletes the invitation that named the person"


# --- lists are one query for their rows ---------------------------------------------


def test_the_invitations_table_is_one_query_whatever_its_length(app, coordinator, event,
                                                                make_registration):
    def queries(url: str, **kwargs) -> int:
        coordinator.get(url, **kwargs)  # (the session's first look-ups out of the way)
        with count_queries() as count:
            assert coordinator.get(url, **kwargs).status_code == 200
        return len(count)

    def grow(start: int, stop: int) -> None:
        invite(coordinator, event, "\n".join(f"P{n} <p{n}@x.fi>, Org {n}"
                                             for n in range(start, stop)))
        people = invitations()
        invitee = app.test_client()
        answer(invitee, people[-1], "accept")
        answer(invitee, people[-2], "decline", message="Sorry")
        answer(invitee, people[-3], "seat", name=f"Guest {stop}", email=f"g{stop}@x.fi",
               consent="y")
        invitee.get(link(people[-4]))

    grow(0, 5)
    few = {path: queries(base(event) + path) for path in ("", "/status")}
    grow(5, 45)
    assert len(invitations()) == 45
    for path, count in few.items():
        assert count <= 9 and queries(base(event) + path) == count, path


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrent transactions need PostgreSQL")
def test_forty_invitees_accept_at_once_for_the_last_ten_seats(
        app, coordinator_client, make_event, make_registration, travel):
    travel(OPEN)
    event = make_event(slug="last-ten", onsite_capacity=12)
    for _ in range(2):
        make_registration(event, kind="on_site")
    invite(coordinator_client(events=[event]), event,
           "\n".join(f"P{n} <p{n}@x.fi>" for n in range(40)))
    links = [link(i) for i in invitations(event)]
    barrier, results = threading.Barrier(40, timeout=60), [None] * 40

    def accept(n: int) -> None:
        invitee = app.test_client()  # its own session; no connection held at the barrier
        token = extract(r'name="answer-csrf_token"[^>]*? value="([^"]+)"',
                        invitee.get(links[n]).get_data(as_text=True))
        barrier.wait()
        response = invitee.post(f"{links[n]}/accept", data={"answer-csrf_token": token})
        results[n] = (response.status_code, text_of(response.get_data(as_text=True)))

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [status for status, _text in results]
    assert statuses.count(303) == 10 and statuses.count(409) == 30, statuses
    assert all("No seats left: please follow on the web instead." in text
               for status, text in results if status == 409)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Registration.id)).where(
        Registration.event_id == event.id, Registration.kind == RegistrationKind.ON_SITE,
        Registration.status == RegistrationStatus.REGISTERED)) == 12
    assert [i.answer for i in invitations(event)].count(InvitationAnswer.ACCEPTED) == 10


def test_invitations_are_written_in_the_events_language(app, smtp, coordinator_client,
                                                        make_event, travel):
    travel(OPEN)
    event = make_event(slug="pa-svenska", language="sv", rsvp_closes_at="2021-11-15")
    client = coordinator_client(events=[event])
    invite(client, event, "Åsa Öberg <asa@example.se>", send=False)
    [invitation] = invitations(event)
    post(client, f"{base(event)}/{invitation.id}/send", form_url=base(event),
         headers={"Accept-Language": "fi"})  # the coordinator reads the site in Finnish
    drain_mail(app)
    [message] = smtp.to("asa@example.se")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hej Åsa Öberg," in text and "måndag 15 november 2021" in text


def test_invitations_and_requests_for_a_seat_go_after_the_retention_time(
        app, coordinator, event, travel):
    from webapp.services.privacy import purge_personal_data

    invite(coordinator, event, "Anna <anna@x.fi>")
    answer(app.test_client(), invitations()[0], "seat", name="Bo", email="bo@y.se", consent="y")
    travel("2022-01-10 12:00")  # the recording expired on 18 Dec, 30 days of retention
    purge_personal_data()
    db.session.commit()
    assert len(invitations()) == 1, "not yet"
    travel("2022-01-20 12:00")
    purge_personal_data()
    db.session.commit()
    assert invitations() == [] and db.session.scalar(select(func.count(SeatRequest.id))) == 0
