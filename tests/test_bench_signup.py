"""bench/run.py's real sign-ups: the session, CSRF token and form stamp it mints
offline are what the app accepts (once, and only for their own session), and its
check of a run's answers against the rows fails when they do not add up. A change to
the anti-bot checks that the bench does not follow fails here, not ten minutes into
a benchmark."""

from __future__ import annotations

from sqlalchemy import func, select

from bench.lib.signup import Answers, Batch, answers, check, mint
from webapp.extensions import db
from webapp.models import OutboxMessage, Registration


def _post(app, line: str):
    """POST one minted sign-up as wrk sends it: its cookie and its body, nothing else."""
    cookie, body = line.split("\t")
    name, value = cookie.split("=", 1)
    client = app.test_client()
    client.set_cookie(name, value)
    return client.post(f"/events/{SLUG}/register", data=body,
                       content_type="application/x-www-form-urlencoded")


SLUG = "nordic-seminar-trafficking-2021"


def _lines(batch: Batch) -> list[str]:
    return [line for path in batch.files for line in path.read_text().splitlines()]


def test_minted_signups_are_accepted_once_each(app, reference_event, travel, tmp_path,
                                               monkeypatch):
    travel("2021-11-01 12:00")
    monkeypatch.setitem(app.config, "SIGNUP_MIN_FILL_SECONDS", 3)  # production's
    batch = mint(app, reference_event.slug, 3, tmp_path, "bench-t", threads=2)
    assert [len(e) for e in batch.emails] == [2, 1]
    lines = _lines(batch)
    for line in lines:
        response = _post(app, line)
        assert response.status_code == 303, response.get_data(as_text=True)
    registered = set(db.session.scalars(select(Registration.email)))
    assert registered == {f"bench-t-{n}@example.org" for n in range(3)}
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    again = _post(app, lines[0])  # a stamp is used once
    assert again.status_code == 422


def test_stamps_minted_for_another_session_are_refused(app, reference_event, travel, tmp_path):
    travel("2021-11-01 12:00")
    batch = mint(app, reference_event.slug, 2, tmp_path, "bench-b", threads=1, broken=True)
    for line in _lines(batch):
        assert _post(app, line).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def _batch() -> Batch:
    return Batch("p", [], [[f"p-{n}@example.org" for n in range(0, 10, 2)],
                           [f"p-{n}@example.org" for n in range(1, 10, 2)]])


def test_the_check_passes_answers_that_add_up():
    found = answers("signup-thread 0 issued=5 see_other=4 other=0 ran_out=0 statuses=\n"
                    "signup-thread 1 issued=5 see_other=5 other=0 ran_out=0 statuses=\n")
    assert (found.issued, found.see_other, found.in_flight) == (10, 9, 1)
    emails = {f"p-{n}@example.org" for n in range(10)}
    assert check(_batch(), found, 10, 10, emails)[0] == []  # the one in flight committed
    assert check(_batch(), found, 9, 9, emails - {"p-8@example.org"})[0] == []


def test_the_check_fails_what_does_not_add_up():
    found = Answers(issued=10, see_other=8, other=1, ran_out=0, statuses={"422": 1},
                    issued_per_thread={0: 5, 1: 5},
                    sample='422 <p class="notice" role="alert">Please send the form again.</p>')
    problems, _ = check(_batch(), found, 8, 8, {f"p-{n}@example.org" for n in range(8)})
    assert problems == ["1 of 9 sign-ups were refused ({'422': 1}); the first: 422: Please "
                        "send the form again."]
    found = Answers(issued=10, see_other=10, issued_per_thread={0: 5, 1: 5})
    emails = {f"p-{n}@example.org" for n in range(10)}
    assert "9 new registrations for 10 answers 303" in check(_batch(), found, 9, 9, emails)[0][0]
    assert "outbox" in check(_batch(), found, 10, 9, emails)[0][0]
    unsent = emails - {"p-9@example.org"} | {"p-10@example.org"}
    assert "never sent" in check(_batch(), found, 10, 10, unsent)[0][0]
    found.ran_out = 1
    assert "more sign-ups than were minted" in check(_batch(), found, 10, 10, emails)[0][0]
