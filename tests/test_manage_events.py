"""Coordinators' events and programme through HTTP, as a coordinator would use them."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import csrf_of, text_of
from webapp.extensions import db
from webapp.models import AuditEntry, Event, MailKind, OutboxMessage

NEW_EVENT = {
    "title": "Dialogue meeting 1", "slug": "dialogue-1", "summary": "The first of five.",
    "description": "**Welcome**", "language": "sv", "timezone": "Europe/Stockholm",
    "venue": "Online", "starts_at": "2030-03-05 13:00", "ends_at": "2030-03-05 15:00",
    "registration_opens_at": "2030-02-01 09:00", "registration_closes_at": "2030-03-04",
    "recording_available_until": "2030-04-05", "stream_url": "https://stream.example.org/d1",
    "stream_embeddable": "y", "web_capacity": "100",
    "contacts-0-name": "Ilona Sekiguchi", "contacts-0-role": "Coordinator",
    "contacts-0-email": "ilona@example.org",
}


def post(client, url, data, form_url=None, **kwargs):
    """POST a form with the CSRF token of the page that shows it."""
    token = csrf_of(client, form_url or url)
    return client.post(url, data={"csrf_token": token, **data}, **kwargs)


def add_part(client, event_id, title, starts, ends, streamed=True, prefix="new"):
    url = f"/manage/events/{event_id}/programme"
    data = {f"{prefix}-title": title, f"{prefix}-starts_at": starts, f"{prefix}-ends_at": ends,
            f"{prefix}-audience": "everyone"}
    if streamed:
        data[f"{prefix}-streamed"] = "y"
    return post(client, f"{url}/new", data, form_url=url)


def test_a_coordinator_creates_publishes_changes_and_cancels_an_event(
        app, coordinator_client, make_registration, travel):
    travel("2030-02-10 12:00")
    client = coordinator_client()
    created = post(client, "/manage/events/new", NEW_EVENT)
    assert created.status_code == 303, text_of(created.get_data(as_text=True))[:500]
    event = db.session.scalars(select(Event)).one()
    assert event.status.value == "draft" and event.timezone == "Europe/Stockholm"
    assert event.registration_closes_at.isoformat() == "2030-03-04T22:59:59+00:00", "end of day CET"
    for title, starts, ends in (("Welcome", "13:00", "13:30"), ("Talk", "13:30", "14:30"),
                                ("Questions", "14:30", "15:00")):
        assert add_part(client, event.id, title, starts, ends).status_code == 303
    db.session.expire_all()
    assert [p.title for p in event.parts] == ["Welcome", "Talk", "Questions"]

    assert "dialogue-1" not in client.get("/").get_data(as_text=True), "a draft is not public"
    assert post(client, f"/manage/events/{event.id}/publish", {},
                form_url=f"/manage/events/{event.id}").status_code == 303
    assert "Dialogue meeting 1" in client.get("/").get_data(as_text=True)

    registration = make_registration(event)
    part = event.parts[1]
    url = f"/manage/events/{event.id}/programme/{part.id}"
    changed = post(client, url, {
        f"part-{part.id}-title": "Talk", f"part-{part.id}-starts_at": "13:40",
        f"part-{part.id}-ends_at": "14:30", f"part-{part.id}-streamed": "y",
        f"part-{part.id}-audience": "everyone", f"part-{part.id}-notify": "y"},
        form_url=f"{url}/edit")
    assert changed.status_code == 303
    notice = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MailKind.PROGRAMME_CHANGED)).one()
    assert notice.registration_id == registration.id
    assert notice.context["old_starts_at"].startswith("2030-03-05T12:30")
    page = text_of(client.get("/events/dialogue-1").get_data(as_text=True))
    assert "13:40–14:30 CET" in page

    cancelled = post(client, f"/manage/events/{event.id}/cancel",
                     {"message": "The speaker is ill; a new date follows."},
                     form_url=f"/manage/events/{event.id}")
    assert cancelled.status_code == 303
    mail = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == MailKind.EVENT_CANCELLED)).one()
    assert mail.context == {"message": "The speaker is ill; a new date follows."}
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == event.id)
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["event.create", "part.add", "part.add", "part.add", "event.publish",
                       "part.update", "event.cancel"]


def test_field_errors_are_shown_at_their_fields_and_nothing_is_saved(coordinator_client):
    client = coordinator_client()
    bad = dict(NEW_EVENT, timezone="Europe/Helsingfors", ends_at="2030-03-05 12:00",
               **{"contacts-0-email": "not an address"})
    response = post(client, "/manage/events/new", bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "unknown IANA timezone" in html.split('id="timezone-error"')[1][:200]
    assert 'aria-invalid="true" id="timezone"' in html
    assert "email" in html.split('id="contacts-0-email-error"')[1][:200].lower()
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_a_number_field_with_no_number_is_refused_at_it_not_read_as_no_limit(
        coordinator_client, make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    response = post(client, "/manage/events/new", dict(NEW_EVENT, web_capacity="abc"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid integer value." in html.split('id="web_capacity-error"')[1][:200]
    assert db.session.scalar(select(func.count(Event.id))) == 1
    url = f"/manage/events/{event.id}/edit"
    edited = post(client, url, dict(NEW_EVENT, slug=event.slug, onsite_capacity="many"),
                  form_url=url)
    assert edited.status_code == 422
    db.session.expire_all()
    assert db.session.get(Event, event.id).onsite_capacity is None


def test_a_part_outside_the_event_or_overlapping_another_is_refused_at_its_field(
        coordinator_client, make_event):
    event = make_event(status="draft")
    client = coordinator_client(events=[event])
    outside = add_part(client, event.id, "Late", "19:00", "20:00")
    assert outside.status_code == 422
    assert "within the event" in outside.get_data(as_text=True).split(
        'id="new-ends_at-error"')[1][:300]
    backwards = add_part(client, event.id, "Backwards", "12:00", "11:00")
    assert "must end after it starts" in backwards.get_data(as_text=True)
    overlap = add_part(client, event.id, "Overlap", "12:00", "14:00")
    assert overlap.status_code == 422
    assert "overlaps “Part I: The overall picture”" in overlap.get_data(as_text=True)
    parallel = add_part(client, event.id, "Parallel to Part II", "13:45", "16:45")
    assert parallel.status_code == 303, "the same times: one slot of parallel seminars"


def test_editing_in_place_with_htmx_returns_the_row(coordinator_client, make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    part = event.parts[0]
    hx = {"HX-Request": "true"}
    form = client.get(f"/manage/events/{event.id}/programme/{part.id}/edit", headers=hx)
    assert form.get_data(as_text=True).lstrip().startswith(f'<li id="part-{part.id}"')
    token = csrf_of(client, f"/manage/events/{event.id}/programme")
    saved = client.post(f"/manage/events/{event.id}/programme/{part.id}", headers=hx, data={
        "csrf_token": token, f"part-{part.id}-title": "Part I, renamed",
        f"part-{part.id}-starts_at": "10:00", f"part-{part.id}-ends_at": "12:45",
        f"part-{part.id}-streamed": "y", f"part-{part.id}-audience": "everyone"})
    assert saved.status_code == 200
    assert "Part I, renamed" in saved.get_data(as_text=True)
    assert "Part I, renamed" in client.get(f"/events/{event.slug}").get_data(as_text=True)


def test_reorder_and_remove_parts(coordinator_client, make_event):
    event = make_event(status="draft")
    client = coordinator_client(events=[event])
    first, second = event.parts[0].id, event.parts[1].id
    url = f"/manage/events/{event.id}/programme"
    assert post(client, f"{url}/{second}/up", {}, form_url=url).status_code == 303
    db.session.expire_all()
    assert [p.id for p in db.session.get(Event, event.id).parts][:2] == [second, first]
    assert post(client, f"{url}/{first}/delete", {}, form_url=url).status_code == 303
    db.session.expire_all()
    assert first not in [p.id for p in db.session.get(Event, event.id).parts]


def test_duplicate_moves_the_dates_by_whole_weeks_and_delete_a_draft(coordinator_client,
                                                                     make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    copied = post(client, f"/manage/events/{event.id}/duplicate",
                  {"slug": "nordic-seminar-2022", "weeks": "52"},
                  form_url=f"/manage/events/{event.id}")
    assert copied.status_code == 303
    copy = db.session.scalar(select(Event).where(Event.slug == "nordic-seminar-2022"))
    assert copy.status.value == "draft"
    assert copy.starts_at.astimezone(copy.zone).strftime("%Y-%m-%d %H:%M %Z") == \
        "2022-11-17 10:00 EET"
    assert [p.title for p in copy.parts] == [p.title for p in event.parts]
    taken = post(client, f"/manage/events/{event.id}/duplicate",
                 {"slug": "nordic-seminar-2022", "weeks": "52"},
                 form_url=f"/manage/events/{event.id}")
    assert taken.status_code == 422 and "already has this address" in taken.get_data(as_text=True)
    for slug in ("Bad Slug!", "x" * 300):
        bad = post(client, f"/manage/events/{event.id}/duplicate", {"slug": slug, "weeks": "52"},
                   form_url=f"/manage/events/{event.id}")
        assert bad.status_code == 422 and "lower-case letters" in bad.get_data(as_text=True)
    refused = post(client, f"/manage/events/{event.id}/delete", {},
                   form_url=f"/manage/events/{event.id}")
    assert refused.status_code == 409 and db.session.get(Event, event.id) is not None
    assert post(client, f"/manage/events/{copy.id}/delete", {},
                form_url=f"/manage/events/{copy.id}").status_code == 303
    assert db.session.scalar(select(Event).where(Event.slug == "nordic-seminar-2022")) is None


def test_export_then_import_into_an_empty_database_gives_the_same_event(
        coordinator_client, make_event):
    from webapp.services.event_export import event_document

    event = make_event(series={"slug": "nordic", "title": "Nordic seminars"})
    client = coordinator_client(admin=True)
    exported = client.get(f"/manage/events/{event.id}/export.yaml")
    assert exported.headers["Content-Type"].startswith("application/yaml")
    before = event_document(event)
    db.session.delete(event)
    db.session.commit()
    url = "/manage/events/import"
    from io import BytesIO

    imported = post(client, url, {"file": (BytesIO(exported.data), "event.yaml")},
                    content_type="multipart/form-data")
    assert imported.status_code == 303
    again = db.session.scalar(select(Event).where(Event.slug == event.slug))
    assert event_document(again) == before


def test_an_upload_with_errors_names_the_line_and_the_field(coordinator_client):
    from io import BytesIO

    client = coordinator_client(admin=True)
    text = b"slug: x\ntitle: X\ntimezone: Europe/Nowhere\n"
    response = post(client, "/manage/events/import", {"file": (BytesIO(text), "bad.yaml")},
                    content_type="multipart/form-data")
    assert response.status_code == 422
    page = text_of(response.get_data(as_text=True))
    assert "bad.yaml: line 3: timezone: unknown IANA timezone 'Europe/Nowhere'" in page
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_field_errors_come_in_the_coordinators_language(coordinator_client):
    """The editor's checks (ours and pydantic's) speak Swedish to a Swedish reader."""
    client = coordinator_client()
    client.get("/manage/events/new?lang=sv")
    bad = dict(NEW_EVENT, timezone="Europe/Helsingfors", media_link_secret="short",
               slug="Inte En Adress")
    html = post(client, "/manage/events/new", bad).get_data(as_text=True)
    zone_error = html.split('id="timezone-error"')[1][:300]
    assert "okänd IANA-tidszon &#39;Europe/Helsingfors&#39;" in zone_error
    assert "Minst 16 tecken" in html.split('id="media_link_secret-error"')[1][:300]
    assert "använd små bokstäver" in html.split('id="slug-error"')[1][:300]
