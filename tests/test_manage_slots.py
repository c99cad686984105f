"""Coordinators and slots: options edited in the programme editor, the event's on-site
sign-up and choices deadline in its editor, per-option lists and counts, and the
event format's round trip with slots."""

from __future__ import annotations

from io import BytesIO

from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import select

from tests.conftest import csrf_of, text_of
from tests.slots import OPEN, STOCKHOLM, import_conference, option
from webapp.extensions import db
from webapp.models import AuditEntry, Event, OptionChoice, PartOption, WaitingEntry


def test_a_part_becomes_a_slot_and_its_options_are_edited(coordinator_client, make_event):
    event = make_event(slug="slotted")
    client = coordinator_client(events=[event])
    workshops = event.parts[1]
    base = f"/manage/events/{event.id}/programme/{workshops.id}/options"
    assert "Make it a slot" in client.get(f"/manage/events/{event.id}/programme").get_data(
        as_text=True)
    token = csrf_of(client, base)
    added = client.post(f"{base}/new", data={
        "csrf_token": token, "new-label": "A", "new-title": "Victims' support",
        "new-room": "Hall 2", "new-seat_limit": "30", "new-language_note": "held in Finnish"})
    assert added.status_code == 303
    client.post(f"{base}/new", data={"csrf_token": token, "new-label": "B",
                                     "new-title": "Labour exploitation"})
    db.session.expire_all()
    a, b = db.session.get(Event, event.id).parts[1].options
    assert (a.label, a.room, a.seat_limit, a.language_note) == ("A", "Hall 2", 30,
                                                                "held in Finnish")
    assert b.seat_limit is None
    invalid = client.post(f"{base}/{a.id}", data={"csrf_token": token,
                                                   f"option-{a.id}-title": "",
                                                   f"option-{a.id}-seat_limit": "-1"})
    assert invalid.status_code == 422
    assert "Please give a title." in text_of(invalid.get_data(as_text=True))
    streamed = client.post(f"{base}/{a.id}", data={
        "csrf_token": token, f"option-{a.id}-title": "Victims' support",
        f"option-{a.id}-streamed": "y"})
    assert streamed.status_code == 422, "Part II is not streamed"
    assert "Only a streamed part has streamed options" in streamed.get_data(as_text=True)
    assert client.post(f"{base}/{b.id}/up", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert [o.label for o in db.session.get(Event, event.id).parts[1].options] == ["B", "A"]
    assert client.post(f"{base}/{a.id}/delete", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert [o.label for o in db.session.get(Event, event.id).parts[1].options] == ["B"]
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.like("option.%")).order_by(AuditEntry.id)).all()
    assert actions == ["option.add", "option.add", "option.move", "option.remove"]


def test_raising_a_seat_limit_offers_the_seats_to_the_waiting_list(
        coordinator_client, make_registration, travel):
    from tests.slots import registration_of
    from webapp.db import run
    from webapp.models import WaitingKind
    from webapp.services.waiting import join_waiting_list

    travel(OPEN, STOCKHOLM)
    conference = import_conference()
    seminar_a = option(conference, "A")
    seminar_a.seat_limit = 0
    db.session.commit()
    make_registration(conference, kind="on_site", email="keen@example.se")
    client = coordinator_client(events=[conference])
    with client.application.test_request_context():
        run(lambda: join_waiting_list(conference, WaitingKind.OPTION, name="Keen",
                                      email="keen@example.se",
                                      registration=registration_of("keen@example.se"),
                                      option=seminar_a))
    base = f"/manage/events/{conference.id}/programme/{seminar_a.part_id}/options"
    response = client.post(f"{base}/{seminar_a.id}", data={
        "csrf_token": csrf_of(client, base), f"option-{seminar_a.id}-title": seminar_a.title,
        f"option-{seminar_a.id}-label": "A", f"option-{seminar_a.id}-seat_limit": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(WaitingEntry)).one().status.value == "offered"


def test_the_event_editor_sets_on_site_sign_up_and_the_choices_deadline(
        coordinator_client, make_event):
    from webapp.forms.events import EventForm

    event = make_event(slug="editable")
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/edit"
    html = client.get(url).get_data(as_text=True)
    assert 'name="onsite_signup"' in html and 'name="choices_close_at"' in html
    with client.application.test_request_context():
        form = EventForm(formdata=None)
        form.fill_from(event)
        data = {k: v for k, v in _flatten(form).items() if v not in (None, False)}
    data.update(csrf_token=csrf_of(client, url), onsite_signup="y",
                choices_close_at="2021-11-17", onsite_capacity="40")
    response = client.post(url, data=data)
    assert response.status_code == 303, text_of(response.get_data(as_text=True))[:2000]
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.onsite_signup and event.onsite_capacity == 40
    assert event.choices_close_at.astimezone(event.zone).strftime("%Y-%m-%d %H:%M:%S") == \
        "2021-11-17 23:59:59"
    data["choices_close_at"] = "2021-11-19"
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "must not be after the event starts" in refused.get_data(as_text=True)


def _flatten(form) -> dict:
    """A filled form as the browser would post it."""
    values = {}
    for field in form:
        if field.type in ("FormField", "FieldList"):
            values.update(_flatten(field))
        elif field.type == "BooleanField":
            values[field.name] = "y" if field.data else None
        elif field.type != "CSRFTokenField":
            values[field.name] = "" if field.data is None else str(field.data)
    return values


def test_per_option_counts_and_a_printable_list_in_one_query(
        app, coordinator_client, make_registration, travel):
    travel(OPEN, STOCKHOLM)
    conference = import_conference()
    seminar_c = option(conference, "C")
    for name in ("Örjan Ek", "Anna Ahl", "Bo Berg"):
        person = make_registration(conference, kind="on_site", name=name,
                                   organisation="Polisen")
        person.choices.append(OptionChoice(part_id=seminar_c.part_id, option_id=seminar_c.id))
    db.session.commit()
    client = coordinator_client(events=[conference])
    overview = text_of(client.get(f"/manage/events/{conference.id}/options").get_data(
        as_text=True))
    assert "C: Att arbeta strategiskt" in overview and "Sal 3 3 80" in overview
    statements = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    sqlalchemy_event.listen(db.engine, "before_cursor_execute", listen)
    try:
        page = client.get(f"/manage/events/{conference.id}/options/{seminar_c.id}")
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", listen)
    listing = text_of(page.get_data(as_text=True))
    assert listing.index("Anna Ahl") < listing.index("Bo Berg") < listing.index("Örjan Ek")
    assert "3 participants on site · 80 seats" in listing and "Room: Sal 3" in listing
    rows = [s for s in statements if "registrations" in s and "option_choices" in s]
    assert len(rows) == 1, "one query for the rows, whatever their number"


def test_the_format_round_trips_slots_and_series(coordinator_client, travel):
    from webapp.services.event_export import event_document

    travel(OPEN, STOCKHOLM)
    conference = import_conference(series=None)
    conference.series = None
    db.session.commit()
    client = coordinator_client(admin=True)
    exported = client.get(f"/manage/events/{conference.id}/export.yaml")
    assert b"options:" in exported.data and b"seat_limit: 120" in exported.data
    assert b"onsite_signup: true" in exported.data and b"choices_close_at: '2024-10-16" in \
        exported.data
    before = event_document(conference)
    db.session.delete(conference)
    db.session.commit()
    assert db.session.scalar(select(PartOption.id)) is None
    url = "/manage/events/import"
    response = client.post(url, data={"csrf_token": csrf_of(client, url),
                                      "file": (BytesIO(exported.data), "event.yaml")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    again = db.session.scalar(select(Event).where(Event.slug == before["slug"]))
    assert event_document(again) == before


def test_a_streamed_option_in_a_part_not_streamed_names_its_line():
    import pytest

    from tests.slots import CONFERENCE
    from webapp.services.event_import import EventImportError, parse_event_text

    text = CONFERENCE.read_text().replace("        room: Sal 2\n        seat_limit: 120\n",
                                          "        room: Sal 2\n        streamed: true\n", 1)
    with pytest.raises(EventImportError) as caught:
        parse_event_text(text, "conference.yaml")
    assert "programme[3]: options[1].streamed: only a streamed part has streamed options" in \
        str(caught.value)


def test_a_slot_with_a_streamed_option_stays_streamed(coordinator_client, make_event):
    event = make_event(slug="streamed-slot")
    part = event.parts[0]  # Part I is streamed
    part.options.append(PartOption(title="Plenary room", streamed=True))
    db.session.commit()
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/programme/{part.id}"
    response = client.post(url, data={
        "csrf_token": csrf_of(client, f"{url}/edit"), f"part-{part.id}-title": part.title,
        f"part-{part.id}-starts_at": "10:00", f"part-{part.id}-ends_at": "12:45",
        f"part-{part.id}-audience": "everyone"})
    assert response.status_code == 422
    assert "Some of this slot&#39;s options are streamed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Event, event.id).parts[0].streamed
