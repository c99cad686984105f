"""The registrations of an event through HTTP, as a coordinator uses them: the table
(search, filters, sort, pages, counts, bulk actions) and one person's page with its
actions (link again, cancel, revoke and re-issue, erase, their data)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.conftest import add_views, csrf_of, extract, text_of
from webapp.extensions import db
from webapp.models import (
    Attendance,
    AuditEntry,
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    WatchNetwork,
)
from webapp.tokens import make_token

HX = {"HX-Request": "true"}


def view(registration, part, mode="live", minutes=(0,), start="2021-11-18T08:00:00+00:00"):
    """``registration`` had ``part`` open at these minutes after ``start``."""
    first = datetime.fromisoformat(start)
    add_views(registration, part, mode, [first + timedelta(minutes=m) for m in minutes])


def outbox(**where):
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return db.session.scalars(query).all()


def audit_actions(event) -> list[str]:
    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == event.id)
                              .order_by(AuditEntry.id)).all()


@pytest.fixture
def people(make_event, make_registration, travel):
    """The reference event with a few people: web, on site, cancelled, pending, watching."""
    travel("2021-11-10 12:00")
    event = make_event()
    anna = make_registration(event, name="Anna Virtanen", email="anna@example.org",
                             organisation="HEUNI")
    erik = make_registration(event, name="Erik Lund", email="erik@example.org",
                             organisation="Polisen", kind="on_site")
    make_registration(event, name="Cecilia Berg", email="cecilia@example.org", status="cancelled")
    make_registration(event, name="Pekka Pending", email="pekka@example.org", status="pending")
    bo = make_registration(event, name="Bo Recording", email="bo@example.org",
                           shared_link_flagged_at=datetime(2021, 11, 18, 9, tzinfo=timezone.utc))
    view(anna, event.parts[0], "live", range(3))
    view(bo, event.parts[2], "recording", range(2))
    return event, {"anna": anna, "erik": erik, "bo": bo}


def rows_of(html: str) -> list[str]:
    """The names in the table, in order."""
    return re.findall(r'<tr id="registration-\d+">\s*<td>.*?</td>\s*<td><a [^>]*>([^<]*)</a>',
                      html, re.S)


def test_the_table_searches_filters_sorts_and_counts(people, coordinator_client):
    event, _ = people
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/registrations"
    page = client.get(url).get_data(as_text=True)
    assert rows_of(page) == ["Anna Virtanen", "Bo Recording", "Cecilia Berg", "Erik Lund",
                             "Pekka Pending"]
    counts = text_of(page.split('class="counts"')[1].split("</dl>")[0])
    assert "Web 2" in counts and "On site 1" in counts and "Cancelled 1" in counts
    assert "Watched live 1" in counts and "Recording only 1" in counts
    assert "Links flagged as shared 1" in counts

    assert rows_of(client.get(f"{url}?q=heuni").get_data(as_text=True)) == ["Anna Virtanen"]
    assert rows_of(client.get(f"{url}?q=ERIK@").get_data(as_text=True)) == ["Erik Lund"]
    assert rows_of(client.get(f"{url}?kind=on_site").get_data(as_text=True)) == ["Erik Lund"]
    assert rows_of(client.get(f"{url}?status=cancelled").get_data(as_text=True)) == [
        "Cecilia Berg"]
    assert rows_of(client.get(f"{url}?watched=live").get_data(as_text=True)) == ["Anna Virtanen"]
    assert rows_of(client.get(f"{url}?watched=recording").get_data(as_text=True)) == [
        "Bo Recording"]
    assert "Anna Virtanen" not in rows_of(client.get(f"{url}?watched=none").get_data(as_text=True))
    assert rows_of(client.get(f"{url}?flagged=1").get_data(as_text=True)) == ["Bo Recording"]
    assert rows_of(client.get(f"{url}?sort=-name").get_data(as_text=True))[0] == "Pekka Pending"
    assert rows_of(client.get(f"{url}?sort=email").get_data(as_text=True))[0] == "Anna Virtanen"
    for nonsense in ("?sort=password", "?page=x", "?page=999", "?kind=martian", "?q=%00",
                     "?q=100%25_"):
        assert client.get(url + nonsense).status_code == 200, nonsense


def test_active_search_answers_htmx_with_the_rows_alone(people, coordinator_client):
    event, _ = people
    client = coordinator_client(events=[event])
    response = client.get(f"/manage/events/{event.id}/registrations?q=lund", headers=HX)
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="registrations">') and "<html" not in html
    assert rows_of(html) == ["Erik Lund"] and "HX-Request" in response.headers["Vary"]
    page = client.get(f"/manage/events/{event.id}/registrations").get_data(as_text=True)
    search = extract(r'(<input id="q"[^>]*>)', page)
    assert 'data-hx-trigger="input changed delay:300ms, search"' in search
    assert 'data-hx-target="#registrations"' in search
    assert '<form method="get"' in page, "works without JavaScript"
    back = client.get(f"/manage/events/{event.id}/registrations?q=lund",
                      headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in back.get_data(as_text=True), "going back to a searched address: the page"


def test_pages_of_fifty(make_event, make_registration, coordinator_client, travel):
    travel("2021-11-10 12:00")
    event = make_event()
    for n in range(55):
        make_registration(event, name=f"Person {n:02d}")
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/registrations"
    first = client.get(url).get_data(as_text=True)
    assert len(rows_of(first)) == 50 and "Page 1 of 2" in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert rows_of(second) == [f"Person {n}" for n in range(50, 55)]


def test_a_persons_page_shows_their_emails_and_views(people, coordinator_client, make_outbox):
    event, who = people
    make_outbox(who["anna"], "stream_link", status="failed", attempts=8,
                last_error="550 5.1.1 mailbox unavailable")
    make_outbox(who["anna"], "reminder", status="queued", attempts=2, last_error="421 try later")
    client = coordinator_client(events=[event])
    page = text_of(client.get(f"/manage/events/{event.id}/registrations/{who['anna'].id}")
                   .get_data(as_text=True))
    assert "anna@example.org" in page and "HEUNI" in page
    assert "Stream link failed 8 550 5.1.1 mailbox unavailable" in page
    assert "Reminder waiting to retry 2 421 try later" in page
    assert "Part I: The overall picture live" in page and "10:00 EET 2021-11-18 10:02 EET 3" in page
    other = client.get(f"/manage/events/{event.id}/registrations/999999")
    assert other.status_code == 404


def post(client, url, data=None, form_url=None, **kwargs):
    token = csrf_of(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def test_send_the_link_again_once_per_press(people, coordinator_client):
    event, who = people
    client = coordinator_client(events=[event])
    person = f"/manage/events/{event.id}/registrations/{who['anna'].id}"
    html = client.get(person).get_data(as_text=True)
    batch = extract(r'name="batch" value="([^"]+)"', html)
    token = extract(r'name="csrf_token" value="([^"]+)"', html)
    for _ in range(2):  # a double click
        response = client.post(f"{person}/resend", data={"csrf_token": token, "batch": batch})
        assert response.status_code == 303
    [sent] = outbox(registration_id=who["anna"].id)
    assert sent.kind is MailKind.STREAM_LINK and sent.status is MailStatus.QUEUED
    on_site = f"/manage/events/{event.id}/registrations/{who['erik'].id}"
    assert post(client, f"{on_site}/resend", {"batch": "b1"}, on_site).status_code == 303
    assert outbox(registration_id=who["erik"].id)[0].kind is MailKind.CONFIRMATION
    assert "The link is on its way" in client.get(person).get_data(as_text=True)
    assert audit_actions(event).count("registration.resend_link") == 2


def test_no_link_to_a_cancelled_registration(people, coordinator_client):
    event, _ = people
    cecilia = db.session.scalar(select(Registration).where(Registration.name == "Cecilia Berg"))
    client = coordinator_client(events=[event])
    person = f"/manage/events/{event.id}/registrations/{cecilia.id}"
    response = post(client, f"{person}/resend", {"batch": "x"}, person)
    assert response.status_code == 409 and "cancelled" in response.get_data(as_text=True)
    assert outbox() == []
    assert post(client, f"{person}/resend", {}, person).status_code == 422, "no batch"


def test_cancel_with_or_without_an_email(people, coordinator_client):
    event, who = people
    client = coordinator_client(events=[event])
    anna = f"/manage/events/{event.id}/registrations/{who['anna'].id}"
    assert post(client, f"{anna}/cancel", {"notify": "y"}, anna).status_code == 303
    assert [m.kind for m in outbox(registration_id=who["anna"].id)] == [MailKind.CANCELLATION]
    erik = f"/manage/events/{event.id}/registrations/{who['erik'].id}"
    assert post(client, f"{erik}/cancel", {}, erik).status_code == 303
    assert outbox(registration_id=who["erik"].id) == []
    db.session.expire_all()
    assert db.session.get(Registration, who["erik"].id).status.value == "cancelled"
    again = post(client, f"{erik}/cancel", {}, erik)
    assert again.status_code == 409 and "already cancelled" in again.get_data(as_text=True)
    notes = db.session.scalars(select(AuditEntry.note).where(
        AuditEntry.action == "registration.cancel").order_by(AuditEntry.id)).all()
    assert notes == ["with email", "without email"]


def test_revoke_and_reissue_the_links(people, coordinator_client, client):
    event, who = people
    bo = who["bo"]
    old_link = f"/p/{make_token('participant', bo)}"
    db.session.add(WatchNetwork(registration_id=bo.id, network="n1", last_seen=bo.created_at))
    db.session.commit()
    manager = coordinator_client(events=[event])
    person = f"/manage/events/{event.id}/registrations/{bo.id}"
    assert post(manager, f"{person}/reissue", {}, person).status_code == 303
    db.session.expire_all()
    bo = db.session.get(Registration, bo.id)
    assert bo.token_version == 2 and bo.shared_link_flagged_at is None
    assert db.session.scalar(select(func.count(WatchNetwork.id))) == 0
    [mail] = outbox(registration_id=bo.id)
    assert mail.kind is MailKind.LINKS_REISSUED
    assert mail.idempotency_key == f"links-reissued:{bo.id}:v2"
    assert manager.get(old_link).status_code == 404, "the old link is dead"
    assert manager.get(f"/p/{make_token('participant', bo)}").status_code == 200
    assert "registration.reissue_links" in audit_actions(event)


def test_erasure_asks_first_then_keeps_the_counts_and_no_personal_data(
        people, coordinator_client, make_outbox):
    event, who = people
    anna = who["anna"]
    make_outbox(anna, "confirmation", status="sent")
    make_outbox(anna, "reminder", status="failed", last_error="550 anna@example.org unknown")
    make_outbox(anna, "recording", status="queued")
    client = coordinator_client(events=[event])
    person = f"/manage/events/{event.id}/registrations/{anna.id}"
    ask = client.get(f"{person}/erase")
    assert ask.status_code == 200 and "This cannot be undone" in ask.get_data(as_text=True)
    unticked = post(client, f"{person}/erase", {}, f"{person}/erase")
    assert unticked.status_code == 422 and "Tick the box" in unticked.get_data(as_text=True)
    before = client.get(f"/manage/events/{event.id}/registrations").get_data(as_text=True)
    assert post(client, f"{person}/erase", {"confirm": "y"}, f"{person}/erase").status_code == 303

    db.session.expire_all()
    row = db.session.get(Registration, anna.id)
    assert (row.name, row.organisation, row.email) == ("", "", f"purged-{anna.id}@invalid")
    assert row.purged_at is not None and row.token_version == 2
    texts = [m.last_error or "" for m in outbox(registration_id=anna.id)]
    assert not any("anna" in t for t in texts)
    assert [m.status.value for m in outbox(registration_id=anna.id)] == ["sent", "failed",
                                                                         "skipped"]
    assert db.session.scalar(select(func.count(Attendance.id))) == 5, "minutes watched stay"
    after = client.get(f"/manage/events/{event.id}/registrations").get_data(as_text=True)
    counts = lambda html: text_of(html.split('class="counts"')[1].split("</dl>")[0])  # noqa: E731
    assert counts(after).replace("Erased 1", "Erased 0") == counts(before), "counts stay"
    assert "Anna Virtanen" not in after and "anna@example.org" not in after
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "registration.erase")).all()
    assert len(entries) == 1
    assert "anna" not in json.dumps([entries[0].target, entries[0].note, entries[0].changes])
    again = post(client, f"{person}/erase", {"confirm": "y"}, f"{person}/erase")
    assert again.status_code == 409


def test_the_persons_data_as_json(people, coordinator_client, make_outbox):
    event, who = people
    make_outbox(who["anna"], "confirmation", status="sent")
    client = coordinator_client(events=[event])
    response = client.get(f"/manage/events/{event.id}/registrations/{who['anna'].id}/data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["registration"]["email"] == "anna@example.org"
    assert data["emails"][0]["kind"] == "confirmation"
    assert data["views"] == [{"part": "Part I: The overall picture", "mode": "live",
                              "first_minute": "2021-11-18T08:00:00+00:00",
                              "last_minute": "2021-11-18T08:02:00+00:00", "minutes": 3}]
    assert "registration.export_data" in audit_actions(event)


def test_bulk_actions_on_the_ticked_rows(people, coordinator_client, make_event,
                                         make_registration):
    event, who = people
    stranger = make_registration(make_event(slug="other-event"), name="Not Yours")
    cecilia = db.session.scalar(select(Registration).where(Registration.name == "Cecilia Berg"))
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/registrations"
    html = client.get(url).get_data(as_text=True)
    fields = {"csrf_token": extract(r'name="csrf_token" value="([^"]+)"', html),
              "batch": extract(r'name="batch" value="([^"]+)"', html), "action": "resend",
              "ids": [who["anna"].id, who["bo"].id, cecilia.id, stranger.id]}
    response = client.post(f"{url}/bulk", data=fields, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="registrations">')
    status = extract(r'(<div id="bulk-result" data-hx-swap-oob="innerHTML">.*?</div>)', html)
    assert "Done for 2 registrations." in status and "1 was left as it was" in status
    page = client.get(url).get_data(as_text=True)
    region = extract(r'(<div id="bulk-result"[^>]*>)', page)
    assert 'aria-live="polite"' in region and page.index(region) < page.index(
        '<div id="registrations">'), "the live region stays outside the swapped rows"
    assert {m.registration_id for m in outbox()} == {who["anna"].id, who["bo"].id}
    assert client.post(f"{url}/bulk", data=fields, headers=HX).status_code == 200
    assert len(outbox()) == 2, "the same press again sends nothing more"

    plain = client.post(f"{url}/bulk", data={**fields, "action": "cancel_silent",
                                             "ids": [who["erik"].id]})
    assert plain.status_code == 303 and plain.location.endswith(url)
    db.session.expire_all()
    assert db.session.get(Registration, who["erik"].id).status.value == "cancelled"
    assert db.session.get(Registration, stranger.id).status.value == "registered"
    none = client.post(f"{url}/bulk", data={**fields, "ids": []}, headers=HX)
    assert none.status_code == 422 and "Tick at least one" in none.get_data(as_text=True)
    bad = client.post(f"{url}/bulk", data={**fields, "action": "erase_all"}, headers=HX)
    assert bad.status_code == 422
    assert client.post(f"{url}/bulk", data={**fields, "ids": ["x"]}).status_code == 422
