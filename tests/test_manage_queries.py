"""A coordinator's page costs the same number of queries whatever the number of rows it
shows (no N+1): each page is loaded with 3 and with 30 rows and its queries counted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.conftest import add_views, count_queries, sign_in
from webapp.extensions import db
from webapp.models import (
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    RegistrationKind,
    RegistrationStatus,
    WatchNetwork,
)

START = datetime(2021, 11, 18, 8, 0, tzinfo=timezone.utc)


def populate(event, rows: int) -> list[Registration]:
    """``rows`` registrations (every other on site), each with two emails, views of
    two parts live and from the recording, a flagged link and three networks."""
    people = []
    for n in range(rows):
        person = Registration(
            event_id=event.id, email=f"p{n}@example.org", name=f"Person {n:02d}",
            organisation="Org", kind=RegistrationKind.ON_SITE if n % 2 else RegistrationKind.WEB,
            status=RegistrationStatus.REGISTERED, consent_at=START, created_at=START,
            shared_link_flagged_at=START)
        db.session.add(person)
        db.session.flush()
        people.append(person)
        for kind, status in ((MailKind.CONFIRMATION, MailStatus.SENT),
                             (MailKind.STREAM_LINK, MailStatus.FAILED)):
            db.session.add(OutboxMessage(
                idempotency_key=f"{kind.value}:{person.id}", kind=kind, status=status,
                registration_id=person.id, event_id=event.id, context={}, attempts=1,
                last_error="550 no" if status is MailStatus.FAILED else None))
        for part in (event.parts[0], event.parts[2]):
            for mode in ("live", "recording"):
                add_views(person, part, mode, [START + timedelta(minutes=n + m)
                                               for m in range(2)])
        for network in range(3):
            db.session.add(WatchNetwork(registration_id=person.id, network=f"n{network}",
                                        last_seen=START))
    db.session.commit()
    return people


PAGES = {
    "registrations": "/manage/events/{event}/registrations",
    "registrations searched": "/manage/events/{event}/registrations?q=person&watched=live",
    "registrations (htmx)": "/manage/events/{event}/registrations?sort=-created",
    "mail": "/manage/events/{event}/mail",
    "mail failed": "/manage/events/{event}/mail?status=failed&q=p",
    "attendance": "/manage/events/{event}/attendance",
    "event page": "/manage/events/{event}",
    "dashboard": "/manage/dashboard",
    "door list": "/manage/events/{event}/door-list",
    "csv": "/manage/events/{event}/registrations.csv",
    "attendance csv": "/manage/events/{event}/attendance.csv",
}


def queries_of(app, make_event, make_user, travel, rows: int, email: str) -> dict:
    """{page: number of queries} with ``rows`` rows on each page."""
    travel("2021-11-18 10:30")
    events = [make_event(slug=f"e{rows}-{n}") for n in range(rows if rows <= 3 else 30)]
    event = events[0]
    people = populate(event, rows)
    client = app.test_client()
    sign_in(app, client, make_user(email, events=events))
    pages = {**PAGES, "person": f"/manage/events/{{event}}/registrations/{people[0].id}"}
    populate_person(people[0], event, rows)
    counts = {}
    for name, url in pages.items():
        headers = {"HX-Request": "true"} if "htmx" in name else {}
        client.get(url.format(event=event.id), headers=headers)  # warm (first-use caches)
        with count_queries() as statements:
            response = client.get(url.format(event=event.id), headers=headers)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
    return counts


def populate_person(person, event, rows: int) -> None:
    """The person's page lists every email: give the first person ``rows`` more."""
    for n in range(rows):
        db.session.add(OutboxMessage(
            idempotency_key=f"custom-{n}:{person.id}", kind=MailKind.CUSTOM,
            status=MailStatus.QUEUED, registration_id=person.id, event_id=event.id,
            context={"subject": "s", "text": "t"}, attempts=0))
    db.session.commit()


@pytest.mark.parametrize("rows", [30])
def test_each_page_runs_as_many_queries_for_30_rows_as_for_3(
        app, make_event, make_user, travel, rows):
    few = queries_of(app, make_event, make_user, travel, 3, "few@example.org")
    many = queries_of(app, make_event, make_user, travel, rows, "many@example.org")
    assert many == few, (few, many)
    assert few["registrations"] <= 12, few
