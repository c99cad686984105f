"""Arrival at the door through HTTP: search, one tap to mark arrived and to undo (htmx
and plain forms), the count, attendance on site per part, idempotent taps, and lists
whose queries do not grow with their rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import count_queries, text_of
from tests.invitations import post
from webapp.extensions import db
from webapp.models import Attendance, AuditEntry, Registration, ViewMode

HX = {"HX-Request": "true"}


@pytest.fixture
def event(make_event, travel):
    travel("2021-11-18 09:30")
    return make_event(onsite_capacity=50)


@pytest.fixture
def people(event, make_registration):
    return [make_registration(event, kind="on_site", name=name, organisation=org, email=email)
            for name, org, email in (
                ("Åsa Öberg", "Jämställdhetsmyndigheten", "asa@example.se"),
                ("Matti Mäkinen", "Poliisihallitus", "matti@example.fi"),
                ("Anna Virtanen", "HEUNI", "anna@heuni.fi"))]


@pytest.fixture
def door(coordinator_client, event):
    return coordinator_client(events=[event])


def url(event, *parts) -> str:
    return "/".join([f"/manage/events/{event.id}/checkin", *map(str, parts)])


def attendance(registration_id: int) -> list[tuple]:
    db.session.expire_all()
    return sorted((row.part_id, row.mode, row.minute) for row in db.session.scalars(
        select(Attendance).where(Attendance.registration_id == registration_id)))


def arrival_actions() -> list[str]:
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.action.startswith("arrival.")).order_by(AuditEntry.id)).all()


def test_the_list_shows_who_is_expected_on_site_with_the_count(door, event, people,
                                                                make_registration):
    make_registration(event, kind="web", name="Web Watcher")
    make_registration(event, kind="on_site", status="cancelled", name="Cancelled Person")
    page = text_of(door.get(url(event)).get_data(as_text=True))
    assert "0 arrived of 3 expected" in page
    assert page.index("Anna Virtanen") < page.index("Matti Mäkinen") < page.index("Åsa Öberg")
    assert "Web Watcher" not in page and "Cancelled Person" not in page


def test_search_works_as_a_plain_get_form_and_as_a_fragment(door, event, people):
    plain = door.get(url(event) + "?q=heuni")
    page = text_of(plain.get_data(as_text=True))
    assert "Anna Virtanen" in page and "Matti" not in page
    assert 'value="heuni"' in plain.get_data(as_text=True)
    fragment = door.get(url(event) + "?q=m%C3%A4kinen", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="checkin-list">')
    assert "Matti Mäkinen" in fragment and "Anna" not in fragment
    assert "Poliisihallitus" in door.get(url(event) + "?q=matti%40", headers=HX).get_data(
        as_text=True), "by address too"
    for search in ("%C3%A5sa", "%C3%96BERG", "J%C3%A4mst%C3%A4lld"):  # åsa, ÖBERG, Jämställd
        found = door.get(url(event) + f"?q={search}", headers=HX).get_data(as_text=True)
        assert "Åsa Öberg" in found and "Matti" not in found, search
    nobody = text_of(door.get(url(event) + "?q=zz", headers=HX).get_data(as_text=True))
    assert "Nobody expected on site matches “zz”." in nobody


def test_one_tap_marks_arrived_with_attendance_of_each_part_and_a_repeat_changes_nothing(
        door, event, people, travel):
    anna = people[2]
    tap = post(door, url(event, anna.id, "arrived"), {"q": "virt"}, form_url=url(event),
               headers=HX)
    assert tap.status_code == 200
    fragment = tap.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<li id="arrival-{anna.id}" class="arrived">')
    assert "Arrived at 09:30 EET" in text_of(fragment) and "Undo" in text_of(fragment)
    assert 'id="checkin-count" class="checkin-count" role="status" data-hx-swap-oob="true"' \
        in fragment
    assert "1 arrived of 3 expected" in text_of(fragment)
    rows = attendance(anna.id)
    assert [(mode, minute.isoformat()) for _part, mode, minute in rows] == [
        (ViewMode.ON_SITE, "2021-11-18T08:00:00+00:00"),
        (ViewMode.ON_SITE, "2021-11-18T11:45:00+00:00"),
        (ViewMode.ON_SITE, "2021-11-18T15:10:00+00:00")], "one row per part, at its start"
    arrived_at = db.session.get(Registration, anna.id).arrived_at

    travel("2021-11-18 09:31")  # the answer was lost: the same tap, a minute later
    again = post(door, url(event, anna.id, "arrived"), form_url=url(event), headers=HX)
    assert again.status_code == 200 and "1 arrived of 3 expected" in text_of(
        again.get_data(as_text=True))
    assert attendance(anna.id) == rows, "a repeated tap is the same as one"
    assert db.session.get(Registration, anna.id).arrived_at == arrived_at
    assert arrival_actions() == ["arrival.mark"]

    undo = post(door, url(event, anna.id, "undo"), form_url=url(event), headers=HX)
    assert "0 arrived of 3 expected" in text_of(undo.get_data(as_text=True))
    assert attendance(anna.id) == [] and db.session.get(Registration, anna.id).arrived_at is None
    assert post(door, url(event, anna.id, "undo"), form_url=url(event)).status_code == 303
    assert arrival_actions() == ["arrival.mark", "arrival.undo"]


def test_without_javascript_a_tap_comes_back_to_the_list_where_it_was(door, event, people):
    matti = people[1]
    tap = post(door, url(event, matti.id, "arrived"), {"q": "matti"}, form_url=url(event))
    assert tap.status_code == 303
    assert tap.headers["Location"] == f"{url(event)}?q=matti#arrival-{matti.id}"
    page = text_of(door.get(tap.headers["Location"]).get_data(as_text=True))
    assert "1 arrived of 3 expected" in page and "Arrived at 09:30 EET" in page


def test_only_people_expected_on_site_can_be_marked(door, event, make_registration,
                                                   make_event):
    web = make_registration(event, kind="web")
    other = make_registration(make_event(slug="other"), kind="on_site")
    for person in (web, other):
        assert post(door, url(event, person.id, "arrived"),
                    form_url=url(event)).status_code == 404
    assert door.post(url(event, web.id, "arrived")).status_code == 400, "CSRF-protected"


def test_the_check_in_list_is_one_query_whatever_its_length(door, event, make_registration):
    def queries() -> int:
        door.get(url(event))  # (the session's first look-ups out of the way)
        with count_queries() as count:
            assert door.get(url(event)).status_code == 200
        return len(count)

    for n in range(3):
        make_registration(event, kind="on_site", name=f"Person {n}")
    few = queries()
    for n in range(3, 40):
        person = make_registration(event, kind="on_site", name=f"Person {n}")
        if n % 2:
            person.arrived_at = person.consent_at
    db.session.commit()
    assert few <= 8 and queries() == few, "the queries do not grow with the rows"
    with count_queries() as count:
        door.get(url(event) + "?q=person", headers=HX)
    assert len(count) <= few


def test_arrivals_are_not_stream_viewers_and_count_as_following_live(
        app, smtp, door, event, people, make_registration, travel, client):
    from tests.conftest import drain_mail
    from webapp.metrics import DatabaseMetrics
    from webapp.tokens import make_token

    web = [make_registration(event, email=f"web{n}@example.org") for n in range(2)]
    post(door, url(event, people[0].id, "arrived"), form_url=url(event))
    viewers = {m.name: m.samples[0].value for m in DatabaseMetrics().collect()
               if m.name == "webinar_desk_watch_viewers"}
    assert viewers == {"webinar_desk_watch_viewers": 0}, "nobody watches the stream yet"
    travel("2021-11-18 10:30")
    client.get(f"/watch/{make_token('watch', web[0])}")
    travel("2021-11-18 18:40")
    drain_mail(app)
    notice = {m["To"]: m.get_body(preferencelist=("plain",)).get_content()
              for m in smtp.messages if m["Subject"].startswith("The recording")}
    assert "Thank you for following" in notice["web0@example.org"]
    assert "Thank you for following" in notice["asa@example.se"], "in the room"
    assert "You did not get to follow" in notice["web1@example.org"]
    assert "You did not get to follow" in notice["matti@example.fi"], "did not come"
