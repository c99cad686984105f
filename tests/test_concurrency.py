"""Simultaneous sign-ups: the capacity holds, one row per address, no errors reach users."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import SignUp
from webapp.extensions import db
from webapp.models import Registration


def simultaneously(app, slug: str, emails: list[str]) -> list[int]:
    """Each address signs up from its own client; all POSTs start at the same moment."""
    barrier = threading.Barrier(len(emails))
    statuses: list[int] = [0] * len(emails)

    def sign_up(index: int) -> None:
        # In its own thread, so each client has its own app context (and CSRF token).
        form = SignUp(app.test_client(), slug)
        hidden = form.form_fields()
        barrier.wait()
        statuses[index] = form.post(hidden=hidden, email=emails[index]).status_code

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(len(emails))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.fixture
def open_event(reference_event, travel):
    travel("2021-11-10 12:00")
    return reference_event


def test_fifty_sign_ups_for_the_last_ten_places(app, open_event):
    open_event.web_capacity = 10
    db.session.commit()
    statuses = simultaneously(app, open_event.slug, [f"p{n}@example.org" for n in range(50)])
    assert sorted(set(statuses)) == [303, 409], statuses
    assert statuses.count(303) == 10
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 10


def test_twenty_sign_ups_with_the_same_address(app, open_event):
    statuses = simultaneously(app, open_event.slug,
                              ["Same@Example.org"] * 10 + ["same@example.org"] * 10)
    assert statuses == [303] * 20, "each answered as the first: nobody learns who signed up"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Registration.id))) == 1
