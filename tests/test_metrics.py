"""/metrics: request times by endpoint (never the path), sign-ups, the outbox, viewers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete

from webapp import clock, metrics
from webapp.db import run
from webapp.extensions import db
from webapp.models import Attendance, OutboxMessage, ViewMode
from webapp.tokens import make_token

TOKEN = "a-long-metrics-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_access(app, monkeypatch):
    """``metrics_access(token=..., addresses=[...])`` as the settings would."""
    def allow(*, token=None, addresses=()):
        monkeypatch.setitem(app.config, "METRICS_TOKEN", token)
        monkeypatch.setitem(app.extensions, "metrics_networks", metrics.parse_networks(addresses))

    allow()
    return allow


def scrape(client, **kwargs) -> dict:
    """{(name, labels...): value} of one scrape."""
    response = client.get("/metrics", headers=BEARER, **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, *sorted(labels.items())), 0.0)


def test_metrics_are_hidden_unless_a_token_or_an_address_is_set(client, metrics_access):
    assert client.get("/metrics", headers=BEARER).status_code == 404
    metrics_access(token=TOKEN)
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers=BEARER).status_code == 200
    metrics_access(addresses=["10.1.0.0/16", "192.0.2.7"])
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.2.0.1"}).status_code == 404
    metrics_access(token=TOKEN, addresses=["10.1.0.0/16"])  # both set: both must match
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.get("/metrics", headers=BEARER,
                      environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    with pytest.raises(RuntimeError, match="METRICS_ALLOWED_ADDRESSES"):
        metrics.parse_networks(["10.1.0.0/33"])


def test_requests_are_counted_by_endpoint_never_by_path(client, metrics_access, reference_event,
                                                        make_registration, travel):
    metrics_access(token=TOKEN)
    travel("2021-11-17 12:00")
    token = make_token("watch", make_registration(reference_event))
    watch = dict(name="webinar_desk_http_request_duration_seconds_count",
                 endpoint="participant.watch", method="GET", status="2xx")
    before = scrape(client)
    for _ in range(3):
        assert client.get(f"/watch/{token}").status_code == 200
    client.get("/no/such/page")
    client.open("/", method="BREW")
    response = client.get("/metrics", headers=BEARER)
    assert token not in response.get_data(as_text=True)
    after = scrape(client)
    assert value(after, **watch) - value(before, **watch) == 3
    unmatched = dict(name="webinar_desk_http_request_duration_seconds_count",
                     endpoint="unmatched", method="GET", status="4xx")
    assert value(after, **unmatched) - value(before, **unmatched) == 1
    other = dict(unmatched, method="other")  # (405: no endpoint matched)
    assert value(after, **other) - value(before, **other) == 1, "unknown methods are one label"


def test_signups_are_counted_when_committed(client, metrics_access, signup, travel):
    metrics_access(token=TOKEN)
    travel("2021-11-10 12:00")
    before = value(scrape(client), "webinar_desk_signups_total")
    assert signup.post(email="one@example.org").status_code == 303
    assert signup.post(email="one@example.org").status_code == 303  # already: not counted
    assert signup.post(email="two@example.org").status_code == 303

    def rolled_back():
        metrics.count_signup()
        raise LookupError("the unit of work fails after the sign-up")

    with pytest.raises(LookupError):
        run(rolled_back)
    run(lambda: None)  # a later commit does not count the rolled-back sign-up
    assert value(scrape(client), "webinar_desk_signups_total") - before == 2


def test_outbox_backlog_and_oldest_due_age_at_scrape_time(client, metrics_access, travel,
                                                           reference_event, make_registration,
                                                           make_outbox):
    metrics_access(token=TOKEN)
    travel("2021-11-17 12:00")
    now = clock.now()
    person = make_registration(reference_event)
    make_outbox(person, due_at=now - timedelta(minutes=7))
    make_outbox(person, due_at=now - timedelta(minutes=2))
    make_outbox(person, "stream_link", due_at=now + timedelta(hours=3))  # not due yet
    make_outbox(person, status="failed", last_error="550 no such user")
    make_outbox(person, status="sent", sent_at=now)
    samples = scrape(client)
    counts = {status: value(samples, "webinar_desk_outbox_messages", status=status)
              for status in ("queued", "sending", "sent", "failed", "skipped")}
    assert counts == {"queued": 3, "sending": 0, "sent": 1, "failed": 1, "skipped": 0}
    assert value(samples, "webinar_desk_outbox_oldest_due_seconds") == 7 * 60
    db.session.execute(delete(OutboxMessage))
    db.session.commit()
    assert value(scrape(client), "webinar_desk_outbox_oldest_due_seconds") == 0


def test_viewers_are_registrations_seen_this_minute_or_the_last(client, metrics_access, travel,
                                                                reference_event,
                                                                make_registration):
    metrics_access(token=TOKEN)
    travel("2021-11-18 10:30:20")
    minute = datetime(2021, 11, 18, 8, 30, tzinfo=timezone.utc)
    part = reference_event.parts[0]
    people = [make_registration(reference_event) for _ in range(4)]
    for person, ago in zip(people, (0, 0, 1, 2)):
        db.session.add(Attendance(registration_id=person.id, part_id=part.id,
                                  mode=ViewMode.LIVE, minute=minute - timedelta(minutes=ago)))
    db.session.add(Attendance(registration_id=people[0].id, part_id=part.id,
                              mode=ViewMode.LIVE, minute=minute - timedelta(minutes=1)))
    db.session.commit()
    assert value(scrape(client), "webinar_desk_watch_viewers") == 3
