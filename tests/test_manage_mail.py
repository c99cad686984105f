"""The mail of an event through HTTP: every message's state, retries, the stream link
sent now to everyone (once each, however often and wherever the button is pressed)
with its progress bar, and a coordinator's own message."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import select

from tests.conftest import csrf_of, drain_mail, extract, text_of
from webapp.extensions import db
from webapp.models import AuditEntry, MailKind, MailStatus, OutboxMessage

HX = {"HX-Request": "true"}


def outbox(**where):
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def post(client, url, data=None, form_url=None, **kwargs):
    token = csrf_of(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def crowd(make_event, make_registration, travel):
    """Three web participants, one on site, one cancelled."""
    travel("2021-11-10 12:00")
    event = make_event()
    web = [make_registration(event, name=f"Web {n}", email=f"web{n}@example.org")
           for n in range(3)]
    make_registration(event, name="On Site", kind="on_site")
    make_registration(event, name="Gone", status="cancelled")
    return event, web


def test_the_mail_list_shows_each_state_and_filters(crowd, coordinator_client, make_outbox):
    event, web = crowd
    make_outbox(web[0], "confirmation", status="sent", attempts=1)
    failed = make_outbox(web[1], "stream_link", status="failed", attempts=8,
                         last_error="550 5.1.1 <web1@example.org>: mailbox unavailable")
    make_outbox(web[2], "stream_link", status="queued", attempts=2, last_error="421 busy")
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail"
    page = text_of(client.get(url).get_data(as_text=True))
    assert "Queued 0 Waiting to retry 1 Sending 0 Sent 1 Failed 1" in page
    assert "Web 1 web1@example.org Stream link failed 8 550 5.1.1" in page
    assert "Web 2 web2@example.org Stream link waiting to retry 2 421 busy" in page
    only = client.get(f"{url}?status=failed", headers=HX).get_data(as_text=True)
    assert only.lstrip().startswith('<div id="messages">')
    assert f'id="message-{failed.id}"' in only and only.count('<tr id="message-') == 1
    assert client.get(f"{url}?status=retrying").get_data(as_text=True).count(
        '<tr id="message-') == 1
    assert client.get(f"{url}?kind=confirmation&q=web0").get_data(as_text=True).count(
        '<tr id="message-') == 1
    assert client.get(f"{url}?kind=nonsense&status=x&page=-1").status_code == 200


def test_retry_one_failed_message_or_all(crowd, coordinator_client, make_outbox, travel):
    event, web = crowd
    one = make_outbox(web[0], "stream_link", status="failed", attempts=8, last_error="550 no")
    two = make_outbox(web[1], "stream_link", status="failed", attempts=3, last_error="554 no")
    sent = make_outbox(web[2], "stream_link", status="sent")
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail"
    travel("2021-11-10 12:10")
    assert post(client, f"{url}/{one.id}/retry", form_url=url).status_code == 303
    row = outbox(id=one.id)[0]
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 0)
    assert row.due_at.isoformat() == "2021-11-10T10:10:00+00:00"
    refused = post(client, f"{url}/{sent.id}/retry", form_url=url)
    assert refused.status_code == 409 and "has not failed" in refused.get_data(as_text=True)
    assert post(client, f"{url}/retry", form_url=url).status_code == 303
    assert outbox(id=two.id)[0].status is MailStatus.QUEUED
    assert "1 message is queued again." in client.get(url).get_data(as_text=True)
    notes = db.session.scalars(select(AuditEntry.note).where(AuditEntry.action == "mail.retry")
                               .order_by(AuditEntry.id)).all()
    assert notes == ["1 messages", "1 messages"]


def test_send_the_stream_link_now_once_each_and_follow_its_progress(
        app, crowd, coordinator_client, make_outbox):
    event, web = crowd
    make_outbox(web[0], "stream_link", status="sent")  # had it already (another key)
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail"
    for _ in range(2):
        assert post(client, f"{url}/stream-link", form_url=url).status_code == 303
    queued = outbox(kind=MailKind.STREAM_LINK, status=MailStatus.QUEUED)
    assert sorted(m.idempotency_key for m in queued) == sorted(
        f"stream-link:{r.id}:v1" for r in web)
    page = client.get(url).get_data(as_text=True)
    assert "The stream link is queued for 0 participants." in page, "the second press"
    progress = client.get(f"{url}/progress", headers=HX).get_data(as_text=True)
    assert 'data-hx-trigger="every 1s"' in progress
    assert "Sent: 1 · failed: 0 · left: 3" in text_of(progress)
    assert "No sending rate is set (MAIL_RATE_PER_SECOND = 0)" in text_of(progress)
    app.config["MAIL_RATE_PER_SECOND"] = 0.02
    try:
        slow = text_of(client.get(f"{url}/progress", headers=HX).get_data(as_text=True))
    finally:
        app.config["MAIL_RATE_PER_SECOND"] = 0
    assert "At 0.02 messages a second per mail worker: about 3 minutes left." in slow
    for message in queued:
        message.status = MailStatus.SENT
    db.session.commit()
    done = client.get(f"{url}/progress", headers=HX).get_data(as_text=True)
    assert "every 1s" not in done and "Done." in done, "polling stops"
    assert client.get(f"{url}/progress").status_code == 303, "without htmx: the page"
    assert [e for e in db.session.scalars(select(AuditEntry.action)) if e.startswith("mail.")] \
        == ["mail.stream_link_now", "mail.stream_link_now"]


def test_the_scheduled_stream_link_does_not_send_again(app, crowd, coordinator_client, travel):
    from webapp.mail.schedule import enqueue_due_messages

    event, web = crowd
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail"
    assert post(client, f"{url}/stream-link", form_url=url).status_code == 303
    travel("2021-11-17 10:00")  # 24 h before Part I: the worker's own job
    assert enqueue_due_messages() == 0
    db.session.commit()
    assert len(outbox(kind=MailKind.STREAM_LINK)) == 3


def test_an_event_without_a_stream_has_no_stream_link(make_event, coordinator_client):
    event = make_event()
    for part in event.parts:
        part.streamed = False
    db.session.commit()
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail"
    response = post(client, f"{url}/stream-link", form_url=url)
    assert response.status_code == 409 and "Nothing of this event is streamed" in \
        response.get_data(as_text=True)


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                    reason="two requests at once need PostgreSQL (SQLite runs one writer "
                           "at a time, so the race cannot happen there)")
def test_send_now_pressed_in_two_tabs_at_once_queues_each_message_once(
        app, crowd, make_user, travel):
    from tests.conftest import sign_in

    event, web = crowd
    users = [make_user(f"c{n}@example.org", events=[event]) for n in range(2)]
    clients = [app.test_client() for _ in users]
    for client, user in zip(clients, users):
        sign_in(app, client, user)
    url = f"/manage/events/{event.id}/mail"
    tokens = [csrf_of(client, url) for client in clients]
    barrier, statuses = threading.Barrier(2), [0, 0]

    def press(index: int) -> None:
        barrier.wait()
        statuses[index] = clients[index].post(f"{url}/stream-link",
                                              data={"csrf_token": tokens[index]}).status_code

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303, 303]
    keys = [m.idempotency_key for m in outbox(kind=MailKind.STREAM_LINK)]
    assert sorted(keys) == sorted(f"stream-link:{r.id}:v1" for r in web)


def test_a_message_of_ones_own_previewed_then_sent_once(crowd, coordinator_client):
    event, web = crowd
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/mail/new"
    form = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": extract(r'name="csrf_token" type="hidden" value="([^"]+)"', form),
              "batch": extract(r'name="batch" type="hidden" value="([^"]+)"', form),
              "kind": "web", "watched": "none", "subject": "Room change",
              "text": "Part III moves to hall B.\n\nSee you!"}
    preview = client.post(url, data={**fields, "preview": "1"})
    html = text_of(preview.get_data(as_text=True))
    assert preview.status_code == 200 and "3 people would get this message." in html
    assert "To Web 0 <web0@example.org>" in html and "Hello Web 0, Part III moves" in html
    assert outbox() == [], "a preview sends nothing"
    for _ in range(2):  # sent twice: once
        assert client.post(url, data={**fields, "send": "1"}).status_code == 303
    sent = outbox(kind=MailKind.CUSTOM)
    assert sorted(m.registration_id for m in sent) == sorted(r.id for r in web)
    assert sent[0].context == {"subject": "Room change",
                               "text": "Part III moves to hall B.\n\nSee you!"}
    assert sent[0].idempotency_key == f"custom-{fields['batch']}:{sent[0].registration_id}:v1"
    assert db.session.scalars(select(AuditEntry.note).where(
        AuditEntry.action == "mail.custom").order_by(AuditEntry.id)).all() == [
        "3 messages: Room change",
        "0 messages: Room change"]
    empty = client.post(url, data={**fields, "subject": "", "send": "1"})
    assert empty.status_code == 422 and "Please give a subject." in empty.get_data(as_text=True)
    header = client.post(url, data={**fields, "subject": "Hi\r\nBcc: x@example.org"})
    assert header.status_code == 422 and "one line" in header.get_data(as_text=True)
    control = client.post(url, data={**fields, "text": "a\x00b", "send": "1"})
    assert control.status_code == 422 and "control characters" in control.get_data(as_text=True)
    on_site = client.post(url, data={**fields, "kind": "on_site", "watched": ""})
    assert "1 person would get this message." in text_of(on_site.get_data(as_text=True))


def test_link_again_goes_out_and_shows_as_sent(app, smtp, crowd, coordinator_client):
    event, web = crowd
    client = coordinator_client(events=[event])
    person = f"/manage/events/{event.id}/registrations/{web[1].id}"
    assert post(client, f"{person}/resend", {"batch": "once"}, person).status_code == 303
    assert drain_mail(app).sent == 1
    [message] = smtp.to("web1@example.org")
    assert message["Subject"].startswith("Your link to the stream:")
    page = text_of(client.get(f"/manage/events/{event.id}/mail").get_data(as_text=True))
    assert "Web 1 web1@example.org Stream link sent 1" in page


def render_email(app, name: str, registration, context: dict) -> tuple[str, str]:
    """A new kind's text and HTML as the mail worker renders them (its context), until
    render.py names their subjects and they can be sent."""
    from types import SimpleNamespace

    from flask import render_template
    from flask_babel import force_locale

    event = registration.event
    row = SimpleNamespace(kind=name, context=context)
    links = {key: f"https://desk.example.org/{key}/TOKEN"
             for key in ("participant", "cancel", "watch", "confirm", "event")}
    values = {"row": row, "event": event, "registration": registration, "links": links,
              "zone": event.zone, "parts": registration.followable_parts,
              "attended_live": None, "minutes": None}
    with app.test_request_context(), force_locale(event.language):
        return (render_template(f"email/{name}.txt", **values),
                render_template(f"email/{name}.html", **values))


def test_a_message_of_ones_own_renders_its_text(app, crowd):
    event, web = crowd
    text, html = render_email(app, "custom", web[0], {
        "subject": "Room change", "text": "Hall B, <not A>.\nSee you!\n\nThe organisers"})
    assert text.startswith("Hello Web 0,") and "Hall B, <not A>.\nSee you!" in text
    assert "<p>Hall B, &lt;not A&gt;.<br>See you!</p>" in html and "<p>The organisers</p>" in html
    assert "https://desk.example.org/participant/TOKEN" in text


def test_new_links_email_names_the_stream_link_only_for_the_web(app, crowd, make_registration):
    event, web = crowd
    text, html = render_email(app, "links_reissued", web[0], {})
    assert "no longer work" in text and "https://desk.example.org/watch/TOKEN" in text
    assert 'href="https://desk.example.org/watch/TOKEN"' in html
    on_site = make_registration(event, kind="on_site")
    text, _html = render_email(app, "links_reissued", on_site, {})
    assert "/watch/" not in text and "https://desk.example.org/participant/TOKEN" in text


def test_every_kind_of_email_has_words_for_coordinators():
    """The mail lists name each kind of email in words (never ``waiting_offer``)."""
    from webapp.manage.labels import MAIL_KINDS
    from webapp.models import MailKind

    assert set(MAIL_KINDS) == {kind.value for kind in MailKind}
