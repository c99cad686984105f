"""Waiting lists: joining where "full" is shown, an offer emailed when a place frees,
taken through its signed link, lapsing by itself to the next person, leaving, and the
coordinators' moves and offers by hand."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import (
    SignUp,
    csrf_of,
    drain_mail,
    extract,
    participant_link,
    sign_in,
    text_of,
)
from tests.slots import (
    STOCKHOLM,
    OnSiteSignUp,
    choose_all,
    import_conference,
    option,
    page_csrf,
)
from webapp.extensions import db
from webapp.models import (
    AuditEntry,
    MailKind,
    OutboxMessage,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WaitingEntry,
    WaitingStatus,
)

OPEN = "2021-11-10 12:00"


def entries() -> list[WaitingEntry]:
    db.session.expire_all()
    return db.session.scalars(select(WaitingEntry).order_by(WaitingEntry.id)).all()


def mails(kind: MailKind) -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                              .order_by(OutboxMessage.id)).all()


def link_in(message, path: str = "/w/") -> str:
    """The path of the first ``path`` link in a received email's text."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    return extract(rf"http://localhost({path}\S+)", text)


def join_web_list(client, slug: str, email: str, name: str = "Waiting Person"):
    """POST the form the event page shows when the web places are taken."""
    form = SignUp(client, slug)
    body = form.form_fields()
    body.update(name=name, email=email, organisation="", consent="y")
    return client.post(f"/events/{slug}/waiting-list/web", data=body)


@pytest.fixture
def full_event(reference_event, make_registration, travel):
    """The reference event with one web place, taken."""
    reference_event.web_capacity = 1
    db.session.commit()
    travel(OPEN)
    make_registration(reference_event, email="holder@example.org")
    return reference_event, "holder@example.org"


def cancel(client, email: str) -> None:
    link = participant_link(email)
    response = client.post(f"{link}/cancel", data={"csrf_token": csrf_of(client, f"{link}/cancel")})
    assert response.status_code == 303


def test_joining_answers_the_same_whatever_the_address(client, full_event):
    event, holder = full_event
    answers = [join_web_list(client, event.slug, email) for email in (
        "new@example.org", "new@example.org", "new@example.org", holder)]
    assert {(a.status_code, a.headers["Location"]) for a in answers} == {
        (303, f"/events/{event.slug}/waiting-list/check-your-email")}
    assert [e.email for e in entries()] == ["new@example.org"], \
        "one place in line; the registered address is not put in line"
    assert len(mails(MailKind.WAITING_JOINED)) == 2, \
        "joined, then the link again (at most once per RESEND_LINK_INTERVAL_MINUTES)"
    assert len(mails(MailKind.RESEND_LINK)) == 1, "the registered one gets their link again"
    assert "Check your email" in client.get(answers[0].headers["Location"]).get_data(
        as_text=True)


def test_a_freed_place_is_offered_and_taken_through_the_link(app, smtp, client, full_event):
    event, holder = full_event
    join_web_list(client, event.slug, "first@example.org", "First")
    join_web_list(client, event.slug, "second@example.org", "Second")
    drain_mail(app)
    joined = smtp.to("second@example.org")[0]
    assert joined["Subject"].startswith("On the waiting list:")
    page = text_of(client.get(link_in(joined)).get_data(as_text=True))
    assert "Number 2 in line" in page
    cancel(client, holder)
    first, second = entries()
    assert (first.status, second.status) == (WaitingStatus.OFFERED, WaitingStatus.WAITING)
    assert "0 web places left" not in client.get(f"/events/{event.slug}").get_data(
        as_text=True)
    assert "All web places are taken." in client.get(f"/events/{event.slug}").get_data(
        as_text=True), "the freed place is held for the first in line"
    drain_mail(app)
    [offer] = [m for m in smtp.to("first@example.org") if m["Subject"].startswith("A place")]
    text = offer.get_body(preferencelist=("plain",)).get_content()
    assert "It is held for you until Friday 12 November 2021, 12:00 EET" in text
    offer_page = link_in(offer)
    assert client.get(offer_page).status_code == 200, "a GET (a mail scanner) takes nothing"
    assert entries()[0].status is WaitingStatus.OFFERED
    taken = client.post(f"{offer_page}/accept", data={"csrf_token": csrf_of(client, offer_page)})
    assert taken.status_code == 303 and taken.headers["Location"].startswith("/p/")
    registration = db.session.scalar(select(Registration).where(
        Registration.email == "first@example.org"))
    assert registration.status is RegistrationStatus.REGISTERED
    assert entries()[0].status is WaitingStatus.ACCEPTED
    drain_mail(app)
    assert smtp.to("first@example.org")[-1]["Subject"].startswith("Registered:")
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["waiting.join", "waiting.join", "waiting.offer", "waiting.accept"]


def test_an_offer_not_taken_lapses_and_moves_to_the_next_person(
        app, smtp, client, full_event, travel):
    event, holder = full_event
    join_web_list(client, event.slug, "first@example.org", "First")
    join_web_list(client, event.slug, "second@example.org", "Second")
    cancel(client, holder)
    drain_mail(app)
    offer_page = link_in([m for m in smtp.to("first@example.org")
                          if m["Subject"].startswith("A place")][0])
    travel("2021-11-12 12:00:00")
    drain_mail(app)
    assert [e.status for e in entries()] == [WaitingStatus.OFFERED, WaitingStatus.WAITING], \
        "its last second still holds"
    travel("2021-11-12 12:00:01")
    stats = drain_mail(app)
    assert stats.enqueued >= 1
    assert [e.status for e in entries()] == [WaitingStatus.LAPSED, WaitingStatus.OFFERED]
    assert smtp.to("first@example.org")[-1]["Subject"].startswith("Your offer has expired")
    assert smtp.to("second@example.org")[-1]["Subject"].startswith("A place for you")
    late = client.post(f"{offer_page}/accept", data={"csrf_token": page_csrf(client, offer_page)})
    assert late.status_code == 410 and "no longer open" in late.get_data(as_text=True)
    assert db.session.scalar(select(Registration.id).where(
        Registration.email == "first@example.org")) is None


def test_an_offer_never_runs_beyond_the_deadline(client, full_event, travel):
    event, holder = full_event
    join_web_list(client, event.slug, "first@example.org")
    travel("2021-11-16 08:00")
    cancel(client, holder)
    [entry] = entries()
    assert entry.offer_expires_at == event.registration_closes_at


def test_leaving_the_list_hands_a_held_place_on(app, smtp, client, full_event):
    event, holder = full_event
    join_web_list(client, event.slug, "first@example.org")
    join_web_list(client, event.slug, "second@example.org")
    cancel(client, holder)
    drain_mail(app)
    page = link_in(smtp.to("first@example.org")[-1])
    left = client.post(f"{page}/leave", data={"csrf_token": csrf_of(client, page)})
    assert left.status_code == 303
    assert [e.status for e in entries()] == [WaitingStatus.LEFT, WaitingStatus.OFFERED]
    assert "You left the waiting list." in text_of(client.get(page).get_data(as_text=True))
    drain_mail(app)
    assert smtp.to("first@example.org")[-1]["Subject"].startswith("You left the waiting list")


def test_raising_the_capacity_offers_the_new_places(client, full_event, coordinator_client):
    event, _holder = full_event
    join_web_list(client, event.slug, "first@example.org")
    staff = coordinator_client(events=[event])
    from webapp.services.event_editing import update_event
    from webapp.services.event_export import event_document
    from webapp.services.event_spec import EventSpec

    document = event_document(event)
    document["web_capacity"] = 2
    with staff.application.test_request_context():
        update_event(event, EventSpec.model_validate(document))
        db.session.commit()
    assert entries()[0].status is WaitingStatus.OFFERED


def test_coordinators_see_each_list_move_people_and_offer_by_hand(
        app, smtp, client, full_event, coordinator_client, make_user):
    event, _holder = full_event
    for name in ("Ada", "Bo", "Cai"):
        join_web_list(client, event.slug, f"{name.lower()}@example.org", name)
    staff = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/waiting"
    page = text_of(staff.get(url).get_data(as_text=True))
    assert re.search(r"1 Ada .* 2 Bo .* 3 Cai", page)
    cai = entries()[2]
    token = csrf_of(staff, url)
    assert staff.post(f"{url}/{cai.id}/up", data={"csrf_token": token}).status_code == 303
    page = text_of(staff.get(url).get_data(as_text=True))
    assert re.search(r"1 Ada .* 2 Cai .* 3 Bo", page)
    drain_mail(app)
    for address, place in (("cai@example.org", 2), ("bo@example.org", 3)):
        [moved] = [m for m in smtp.to(address) if m["Subject"].startswith("Your place in line")]
        assert f"You are number {place} in line." in moved.get_body(
            preferencelist=("plain",)).get_content()
    assert not [m for m in smtp.to("ada@example.org") if "place in line" in m["Subject"]]
    mail_list = text_of(staff.get(url.replace("/waiting", "/mail")).get_data(as_text=True))
    assert "Moved in the waiting list" in mail_list and "waiting_moved" not in mail_list
    assert staff.post(f"{url}/{cai.id}/offer", data={"csrf_token": token}).status_code == 303
    assert [e.status for e in entries()] == [WaitingStatus.WAITING, WaitingStatus.WAITING,
                                             WaitingStatus.OFFERED]
    assert "Offered until" in staff.get(url).get_data(as_text=True)
    notes = db.session.scalars(select(AuditEntry.note).where(
        AuditEntry.action == "waiting.offer")).all()
    assert notes == ["offered by hand"]
    other = app.test_client()
    sign_in(app, other, make_user("other@example.org"))
    assert other.get(url).status_code == 404, "a coordinator sees only their events"


def test_an_option_list_from_the_sign_up_form_and_its_offer(app, smtp, client, travel,
                                                           make_registration):
    from webapp.models import OptionChoice

    travel("2024-09-20 12:00", STOCKHOLM)
    conference = import_conference()
    seminar_a = option(conference, "A")
    seminar_a.seat_limit = 1
    taker = make_registration(conference, kind="on_site", email="taker@example.se")
    taker.choices.append(OptionChoice(part_id=seminar_a.part_id, option_id=seminar_a.id))
    db.session.commit()
    response = OnSiteSignUp(client, conference.slug).post(
        choices=choose_all(conference, "B", "E"), waits=[seminar_a])
    assert response.status_code == 303
    [entry] = entries()
    assert entry.option_id == seminar_a.id and entry.registration.kind is RegistrationKind.ON_SITE
    home = text_of(client.get(participant_link("karin@example.se")).get_data(as_text=True))
    assert "Your waiting lists" in home and "number 1 in line" in home
    cancel(client, "taker@example.se")
    assert entries()[0].status is WaitingStatus.OFFERED
    drain_mail(app)
    offer = [m for m in smtp.to("karin@example.se") if m["Subject"].startswith("A place")][0]
    page = link_in(offer)
    assert "a seat in A: Barns rätt" in text_of(client.get(page).get_data(as_text=True))
    taken = client.post(f"{page}/accept", data={"csrf_token": csrf_of(client, page)})
    assert taken.status_code == 303
    db.session.expire_all()
    karin = db.session.scalar(select(Registration).where(
        Registration.email == "karin@example.se"))
    assert sorted(c.option.label for c in karin.choices) == ["A", "E"]
    drain_mail(app)
    assert smtp.to("karin@example.se")[-1]["Subject"].startswith("Your seat is confirmed")
