"""Slots with options: the event page, signing up on site with one option per slot,
changing one's choices until the deadline, seats, and the choices of web participants."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import participant_link, text_of
from tests.slots import (
    OPEN,
    STOCKHOLM,
    OnSiteSignUp,
    choose_all,
    import_conference,
    option,
    registration_of,
)
from webapp.extensions import db
from webapp.models import OptionChoice, OutboxMessage, Registration, RegistrationKind


@pytest.fixture
def conference(travel):
    travel(OPEN, STOCKHOLM)
    return import_conference()


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)))


def test_the_event_page_shows_each_slot_as_a_choice_with_seats_left(client, conference,
                                                                   make_registration):
    make_registration(conference, kind="on_site", email="early@example.se")
    early = registration_of("early@example.se")
    early.choices.append(OptionChoice(part_id=conference.slots[0].id,
                                      option_id=option(conference, "B").id))
    db.session.commit()
    html = client.get(f"/events/{conference.slug}").get_data(as_text=True)
    page = text_of(html)
    assert "Seminariepass 1: välj mellan fyra parallella seminarier" in page
    assert "A: Barns rätt till skydd och stöd" in page
    assert "genomförs på engelska" in page and "Room: Sal 4" in page
    assert "Enligt EUROSTAT är 24 procent" in page
    assert "119 seats left" in page and "120 seats left" in page
    assert "Sign up to attend on site" in page and "399 seats on site left" in page
    for part in conference.slots:
        assert html.count(f'name="onsite-slot_{part.id}"') == 4
    assert "slot_" not in html.split('id="signup"')[1].split("</section>")[0], \
        "no option is streamed: web participants choose nothing"
    assert f'data-hx-get="/events/{conference.slug}/places"' in html


def test_signing_up_on_site_takes_a_seat_and_one_option_per_slot(client, conference):
    response = OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A",
                                                                             "F"))
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{conference.slug}/check-your-email"
    registration = registration_of("karin@example.se")
    assert registration.kind is RegistrationKind.ON_SITE and registration.language == "en"
    assert sorted(c.option.label for c in registration.choices) == ["A", "F"]
    page = text_of(client.get(participant_link("karin@example.se")).get_data(as_text=True))
    assert "Your choices" in page
    assert "A: Barns rätt till skydd och stöd – inspirerande exempel från Stockholms stad, Room: " \
           "Sal 1" in page
    assert "You can change your choices until Wednesday 16 October 2024, 23:59 CEST" in page
    assert count(OutboxMessage) == 1


def test_an_address_already_registered_changes_nothing_and_gets_the_same_answer(
        client, conference):
    form = OnSiteSignUp(client, conference.slug)
    first = form.post(choices=choose_all(conference, "A", "F"))
    again = form.post(choices=choose_all(conference, "B", "G"), name="Someone Else")
    assert (first.status_code, first.headers["Location"]) == \
        (again.status_code, again.headers["Location"])
    registration = registration_of("karin@example.se")
    assert registration.name == "Karin Berg"
    assert sorted(c.option.label for c in registration.choices) == ["A", "F"], \
        "only the person changes their choices, on their own page"


def test_a_slot_needs_a_choice_and_an_option_of_its_own(client, conference):
    form = OnSiteSignUp(client, conference.slug)
    missing = form.post(choices={conference.slots[0]: option(conference, "A")})
    assert missing.status_code == 422
    slot_two = conference.slots[1]
    assert f'id="onsite-slot_{slot_two.id}-error"' in missing.get_data(as_text=True)
    assert "Please choose one of the options." in text_of(missing.get_data(as_text=True))
    foreign = form.post(choices={conference.slots[0]: option(conference, "E"),
                                 slot_two: option(conference, "F")})
    assert foreign.status_code == 422 and "Not a valid choice" in foreign.get_data(as_text=True)
    assert count(Registration) == 0 and count(OptionChoice) == 0


def test_a_full_option_is_refused_with_the_waiting_list_offered_and_nothing_written(
        client, conference, make_registration):
    seminar_f = option(conference, "F")
    seminar_f.seat_limit = 1
    taker = make_registration(conference, kind="on_site", email="first@example.se")
    taker.choices.append(OptionChoice(part_id=seminar_f.part_id, option_id=seminar_f.id))
    db.session.commit()
    response = OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A",
                                                                             "F"))
    assert response.status_code == 409
    page = text_of(response.get_data(as_text=True))
    assert ("F: Manual mot människohandel – steg för steg is full: choose another, or join its "
            "waiting list.") in page
    assert "If a seat frees in a full option, offer it to me:" in page
    assert count(Registration) == 1 and count(OptionChoice) == 1, "nothing half-written"
    html = response.get_data(as_text=True)
    assert f'<option value="{seminar_f.id}" selected>' in html, "its waiting list proposed"


@pytest.mark.parametrize("full", ["event", "option"])
def test_a_full_event_or_option_refuses_a_registered_address_as_a_new_one(
        client, conference, make_registration, full):
    """Whether an address is registered is never told: a taken seat (or option) is
    refused alike for the person who holds it and for anyone else, with no email."""
    seminar_f = option(conference, "F")
    if full == "event":
        conference.onsite_capacity = 1
    else:
        seminar_f.seat_limit = 1
    taker = make_registration(conference, kind="on_site", email="first@example.se")
    taker.choices.append(OptionChoice(part_id=seminar_f.part_id, option_id=seminar_f.id))
    db.session.commit()
    mails = count(OutboxMessage)
    pages = []
    for address in ("first@example.se", "other@example.se"):
        response = OnSiteSignUp(client, conference.slug).post(
            choices=choose_all(conference, "A", "F"), email=address)
        assert response.status_code == 409
        pages.append(text_of(response.get_data(as_text=True)).replace(address, "ADDRESS"))
    assert pages[0] == pages[1]
    assert count(OutboxMessage) == mails and count(Registration) == 1


def test_on_site_sign_up_is_only_where_the_event_offers_it(client, reference_event, travel):
    travel("2021-11-10 12:00")
    html = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert "Sign up to attend on site" not in html
    response = OnSiteSignUp(client, reference_event.slug).post()
    assert response.status_code == 404


def test_the_same_deadline_as_the_web_sign_up(client, conference, travel):
    travel("2024-10-12 00:00", STOCKHOLM)
    response = OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A",
                                                                             "E"))
    assert response.status_code == 403
    assert "Registration closed on Friday 11 October 2024, 23:59 CEST" in text_of(
        response.get_data(as_text=True))
    assert count(Registration) == 0


def _change(client, link: str, choices: dict) -> object:
    """POST the personal page's choices form."""
    from tests.conftest import extract

    token = extract(r'"X-CSRFToken": "([^"]*)"', client.get(link).get_data(as_text=True))
    data = {"csrf_token": token}
    data.update({f"slot_{part.id}": str(chosen.id) for part, chosen in choices.items()})
    return client.post(f"{link}/choices", data=data)


@pytest.mark.parametrize(("moment", "accepted"), [
    ("2024-10-16 23:59:59", True),
    ("2024-10-16 23:59:59.999999", True),
    ("2024-10-17 00:00:00", False),
])
def test_choices_change_on_the_personal_page_until_the_deadline(
        client, conference, travel, moment, accepted):
    OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A", "E"))
    link = participant_link("karin@example.se")
    travel(moment, STOCKHOLM)
    response = _change(client, link, choose_all(conference, "C", "H"))
    labels = sorted(c.option.label for c in registration_of("karin@example.se").choices)
    if accepted:
        assert response.status_code == 303 and labels == ["C", "H"]
    else:
        assert response.status_code == 403 and labels == ["A", "E"]
        assert "Choices could be changed until Wednesday 16 October 2024, 23:59 CEST" in \
            text_of(response.get_data(as_text=True))
        assert "Save my choices" not in client.get(link).get_data(as_text=True)


def test_a_change_refused_for_one_slot_changes_no_slot(client, conference, make_registration):
    OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A", "E"))
    seminar_h = option(conference, "H")
    seminar_h.seat_limit = 0
    db.session.commit()
    response = _change(client, participant_link("karin@example.se"),
                       choose_all(conference, "C", "H"))
    assert response.status_code == 409
    assert sorted(c.option.label for c in registration_of("karin@example.se").choices) == \
        ["A", "E"]


def test_a_changed_choice_frees_its_seat(client, conference):
    seminar_a = option(conference, "A")
    seminar_a.seat_limit = 1
    db.session.commit()
    OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A", "E"))
    places = client.get(f"/events/{conference.slug}/places").get_data(as_text=True)
    assert f'data-hx-swap-oob="innerHTML:.places-opt-{seminar_a.id}">Full: waiting list' in \
        places
    _change(client, participant_link("karin@example.se"), choose_all(conference, "B", "E"))
    places = client.get(f"/events/{conference.slug}/places").get_data(as_text=True)
    assert f'data-hx-swap-oob="innerHTML:.places-opt-{seminar_a.id}">1 seat left' in places


def test_web_participants_choose_among_the_streamed_options_only(client, travel):
    import tests.slots as slots
    from webapp.services.event_import import import_event, load_event_file

    travel(OPEN, STOCKHOLM)
    spec = load_event_file(slots.CONFERENCE)
    spec.programme[3].streamed = True
    spec.programme[3].options[3].streamed = True  # seminar D
    conference = import_event(spec)
    db.session.commit()
    from tests.conftest import SignUp

    html = client.get(f"/events/{conference.slug}").get_data(as_text=True)
    web_form = html.split('id="signup"')[1].split("</section>")[0]
    slot = conference.slots[0]
    assert web_form.count(f'name="slot_{slot.id}"') == 1, "only D is streamed"
    missing = SignUp(client, conference.slug).post()
    assert missing.status_code == 422
    done = SignUp(client, conference.slug).post(**{f"slot_{slot.id}": str(option(conference,
                                                                                 "D").id)})
    assert done.status_code == 303
    registration = registration_of("anna@example.org")
    assert registration.kind is RegistrationKind.WEB
    assert [c.option.label for c in registration.choices] == ["D"]
    refused = SignUp(client, conference.slug).post(
        email="bo@example.org", **{f"slot_{slot.id}": str(option(conference, "A").id)})
    assert refused.status_code == 422, "not streamed: not a web participant's choice"


def test_cancelling_frees_the_seats_of_the_choices(client, conference):
    from tests.conftest import csrf_of

    seminar_a = option(conference, "A")
    seminar_a.seat_limit = 1
    db.session.commit()
    OnSiteSignUp(client, conference.slug).post(choices=choose_all(conference, "A", "E"))
    link = participant_link("karin@example.se")
    client.post(f"{link}/cancel", data={"csrf_token": csrf_of(client, f"{link}/cancel")})
    assert count(OptionChoice) == 0
    second = OnSiteSignUp(client, conference.slug).post(
        choices=choose_all(conference, "A", "E"), email="next@example.se")
    assert second.status_code == 303


def test_an_invitee_accepting_chooses_an_option_per_slot_and_a_full_one_is_refused(
        client, conference, make_registration):
    """Accepting an invitation to an event with slots asks for the options as the on-site
    sign-up does: chosen with the seat, and a full option refused with nothing written."""
    from tests.invitations import answer, link
    from webapp.models import Invitation, InvitationAnswer

    invitation = Invitation(event=conference, email="expert@example.se", name="Eva Expert")
    db.session.add(invitation)
    seminar_f = option(conference, "F")
    seminar_f.seat_limit = 1
    taker = make_registration(conference, kind="on_site", email="first@example.se")
    taker.choices.append(OptionChoice(part_id=seminar_f.part_id, option_id=seminar_f.id))
    db.session.commit()
    page = text_of(client.get(link(invitation)).get_data(as_text=True))
    assert "F: Manual mot människohandel – steg för steg" in page

    first, second = conference.slots
    unchosen = answer(client, invitation, "accept")
    assert unchosen.status_code == 422
    assert "Please choose one of the options." in text_of(unchosen.get_data(as_text=True))
    seminar_a, seminar_e = option(conference, "A"), option(conference, "E")
    full = answer(client, invitation, "accept",
                  **{f"slot_{first.id}": seminar_a.id, f"slot_{second.id}": seminar_f.id})
    assert full.status_code == 409
    assert count(Registration) == 1 and count(OptionChoice) == 1, "nothing half-written"

    chosen = answer(client, invitation, "accept",
                    **{f"slot_{first.id}": seminar_a.id, f"slot_{second.id}": seminar_e.id})
    assert chosen.status_code == 303
    registration = registration_of("expert@example.se")
    assert sorted(c.option.label for c in registration.choices) == ["A", "E"]
    db.session.refresh(invitation)
    assert invitation.answer is InvitationAnswer.ACCEPTED
