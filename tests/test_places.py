"""Seats on site: taken race-free, a web registration moving on site frees its web
place, and every freed place is announced to the listeners (the waiting lists)."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from webapp.db import run
from webapp.extensions import db
from webapp.models import Event, Registration, RegistrationKind
from webapp.services import places
from webapp.services.registrations import EventFull, cancel_registration, register_on_site


def test_a_web_registration_moves_on_site_and_its_web_place_frees(app, make_event,
                                                                  make_registration):
    event = make_event(onsite_capacity=1, web_capacity=5)
    web = make_registration(event, email="anna@example.org")
    freed = []
    listener = places.when_a_place_frees(lambda e, kind: freed.append((e.id, kind)))
    try:
        with app.test_request_context():
            moved = run(lambda: register_on_site(event, name="Anna", email="anna@example.org"))
            assert moved.id == web.id and moved.kind is RegistrationKind.ON_SITE
            assert freed == [(event.id, RegistrationKind.WEB)]
            with pytest.raises(EventFull):
                run(lambda: register_on_site(event, name="Bo", email="bo@example.org"))
            run(lambda: cancel_registration(db.session.get(Registration, web.id)))
            assert freed[-1] == (event.id, RegistrationKind.ON_SITE)
            assert places.places_left(event, RegistrationKind.ON_SITE) == 1
    finally:
        places._listeners.remove(listener)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="concurrent transactions need PostgreSQL")
def test_forty_at_once_for_the_last_ten_seats(app, make_event):
    event_id = make_event(onsite_capacity=10).id
    barrier, outcomes = threading.Barrier(40, timeout=30), []

    def accept(n: int) -> None:
        with app.test_request_context():
            barrier.wait()  # no connection held while waiting: the pool has 15
            try:
                run(lambda: register_on_site(db.session.get(Event, event_id), name=f"P{n}",
                                             email=f"p{n}@example.org"))
                outcomes.append("seat")
            except EventFull:
                outcomes.append("full")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes).count("seat") == 10 and outcomes.count("full") == 30
    assert db.session.scalar(select(func.count(Registration.id))) == 10
