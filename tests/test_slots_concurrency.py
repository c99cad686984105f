"""Choosing and taking places at the same moment, on PostgreSQL: a seat limit holds,
one freed place goes to one person, and a refused request writes nothing."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import participant_link, text_of
from tests.slots import OPEN, STOCKHOLM, choose_all, import_conference, option, page_csrf
from webapp.extensions import db
from webapp.models import (
    OptionChoice,
    Registration,
    RegistrationStatus,
    WaitingEntry,
    WaitingKind,
    WaitingStatus,
)
from webapp.tokens import make_token

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="concurrent transactions need PostgreSQL")


def at_once(app, requests: list) -> list:
    """Each (url, data) POSTed from its own client, all released at one moment; the
    threads hold no pooled connection while they wait."""
    barrier = threading.Barrier(len(requests), timeout=60)
    answers: list = [None] * len(requests)

    def send(index: int) -> None:
        url, data = requests[index]
        client = app.test_client()
        data = {**data, "csrf_token": page_csrf(client, url.rsplit("/", 1)[0])}
        barrier.wait()
        response = client.post(url, data=data)
        answers[index] = (response.status_code, text_of(response.get_data(as_text=True)))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_forty_choose_the_last_ten_seats_of_an_option_at_once(app, travel, make_registration):
    travel(OPEN, STOCKHOLM)
    conference = import_conference()
    seminar_a, seminar_b = option(conference, "A"), option(conference, "B")
    seminar_a.seat_limit = 12
    db.session.commit()
    slot_one, slot_two = conference.slots
    links = []
    for n in range(42):
        person = make_registration(conference, kind="on_site", email=f"p{n}@example.se")
        first = seminar_a if n < 2 else seminar_b  # two seats of A taken already
        person.choices += [OptionChoice(part_id=slot_one.id, option_id=first.id),
                           OptionChoice(part_id=slot_two.id, option_id=option(conference,
                                                                              "E").id)]
        db.session.commit()
        if n >= 2:
            links.append(participant_link(person.email))
    wanted = {f"slot_{part.id}": str(chosen.id)
              for part, chosen in choose_all(conference, "A", "H").items()}
    answers = at_once(app, [(f"{link}/choices", wanted) for link in links])
    statuses = sorted(status for status, _ in answers)
    assert statuses.count(303) == 10 and statuses.count(409) == 30, statuses
    refused = [page for status, page in answers if status == 409]
    assert all("A: Barns rätt till skydd och stöd – inspirerande exempel från Stockholms stad "
               "is full: choose another, or join its waiting list." in page for page in refused)
    db.session.expire_all()
    counts = dict(db.session.execute(select(OptionChoice.option_id, func.count())
                                     .group_by(OptionChoice.option_id)).all())
    assert counts[seminar_a.id] == 12
    assert counts[option(conference, "H").id] == 10, "the refused changed no slot at all"
    assert counts[option(conference, "E").id] == 32


def test_two_offers_for_one_freed_place_accepted_at_once(app, reference_event, travel,
                                                        make_registration):
    from webapp.db import run
    from webapp.services.registrations import cancel_registration
    from webapp.services.waiting import join_waiting_list, make_offer

    travel("2021-11-10 12:00")
    reference_event.web_capacity = 1
    db.session.commit()
    holder = make_registration(reference_event, email="holder@example.org")
    with app.test_request_context():
        for name in ("first", "second"):
            run(lambda name=name: join_waiting_list(
                reference_event, WaitingKind.WEB, name=name, email=f"{name}@example.org"))
        run(lambda: cancel_registration(db.session.get(Registration, holder.id)))
        second = db.session.scalar(select(WaitingEntry).where(
            WaitingEntry.email == "second@example.org"))
        run(lambda: make_offer(db.session.get(WaitingEntry, second.id), by_hand=True))
    entries = db.session.scalars(select(WaitingEntry).order_by(WaitingEntry.id)).all()
    assert [e.status for e in entries] == [WaitingStatus.OFFERED] * 2, "one place, two offers"
    urls = [f"/w/{make_token('waiting', entry)}/accept" for entry in entries]
    answers = at_once(app, [(url, {}) for url in urls])
    assert sorted(status for status, _ in answers) == [303, 409], answers
    assert any("Sorry, all web places for this event are taken." in page
               for status, page in answers if status == 409)
    db.session.expire_all()
    taken = db.session.scalars(select(Registration.email).where(
        Registration.status == RegistrationStatus.REGISTERED)).all()
    assert len(taken) == 1 and taken[0] in {"first@example.org", "second@example.org"}
    statuses = sorted(e.status.value for e in db.session.scalars(select(WaitingEntry)))
    assert statuses == ["accepted", "offered"], "the refused offer is left as it was"
