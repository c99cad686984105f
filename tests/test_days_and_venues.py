"""Programmes over several days and venues: grouped by day on the event, participant and
watch pages, a venue named where it changes; the programme editor carries venues."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import ROOT, csrf_of, text_of
from webapp.extensions import db
from webapp.models import ProgrammePart
from webapp.services.event_import import import_event, load_event_file
from webapp.tokens import make_token

POLICE = "Police Department under the Ministry of the Interior, Saltoniškių g. 19, Vilnius"


def example(name: str):
    event = import_event(load_event_file(ROOT / "examples" / name))
    db.session.commit()
    return event


def sections(html: str) -> list[tuple[str, str]]:
    """(day heading, text under it) for each day of a programme."""
    parts = re.split(r'<h3 class="day">(.*?)</h3>', html, flags=re.S)
    return [(text_of(parts[i]).strip(), text_of(parts[i + 1])) for i in range(1, len(parts), 2)]


@pytest.fixture
def vilnius():
    return example("two-day-seminar-vilnius-2022.yaml")


def test_the_event_page_groups_two_days_and_names_each_new_venue(client, vilnius):
    html = client.get(f"/events/{vilnius.slug}").get_data(as_text=True)
    days = sections(html.split('id="programme"', 1)[1])
    assert [day for day, _ in days] == ["Tuesday 4 October 2022", "Wednesday 5 October 2022"]
    first, second = days[0][1], days[1][1]
    assert "09:30–12:30 EEST" in first and "Why do they disappear? Workshops" in first
    assert "Where:" not in first, "the event's own venue is not repeated"
    assert second.count(f"Where: {POLICE}") == 1, "named once, where it changes"
    assert "Conclusions and the way on" in second.split(POLICE, 1)[1]
    assert 'href="https://www.openstreetmap.org/search?query=Saltoni%C5%A1ki%C5%B3' in html
    when = text_of(html.split('class="when"', 1)[1].split("</p>", 1)[0])
    assert "Tuesday 4 October 2022, 09:30 EEST – Wednesday 5 October 2022, 15:30 EEST" in when


def test_two_cities_in_one_zone(client):
    event = example("expert-seminar-copenhagen-malmo-2022.yaml")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    days = sections(html.split('id="programme"', 1)[1])
    assert [day for day, _ in days] == ["Tuesday 10 May 2022", "Wednesday 11 May 2022"]
    assert "København" in days[0][1] and "Malmö" not in days[0][1]
    malmo = days[1][1]
    assert malmo.count("Where: Polishuset Malmö, Porslinsgatan 3, Malmö") == 2, \
        "again after the visit elsewhere"
    assert "09:00–12:00 CEST" in malmo


def test_the_participant_and_watch_pages_group_by_day_too(client, vilnius, make_registration,
                                                          travel):
    on_site = make_registration(vilnius, kind="on_site")
    web = make_registration(vilnius)
    travel("2022-10-04 08:00", vilnius.zone)
    page = client.get(f"/p/{make_token('participant', on_site)}").get_data(as_text=True)
    days = sections(page)
    assert [day for day, _ in days] == ["Tuesday 4 October 2022", "Wednesday 5 October 2022"]
    assert f"Where: {POLICE}" in days[1][1] and "Workshops" in days[0][1]
    watch = client.get(f"/watch/{make_token('watch', web)}").get_data(as_text=True)
    days = sections(watch.split('id="streamed"', 1)[1])
    assert len(days) == 2 and f"Where: {POLICE}" in days[1][1]


def test_a_one_day_programme_has_no_day_headings(client, reference_event):
    html = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert '<h3 class="day">' not in html and "<h3>Part I: The overall picture</h3>" in html


def test_the_programme_editor_sets_a_parts_venue(coordinator_client, vilnius):
    client = coordinator_client(events=[vilnius])
    url = f"/manage/events/{vilnius.id}/programme"
    data = {"csrf_token": csrf_of(client, url), "new-title": "Visit", "new-audience": "everyone",
            "new-starts_at": "2022-10-05 12:00", "new-ends_at": "2022-10-05 12:45",
            "new-venue_address": "Didžioji g. 5", "new-venue_map_url": "http://x"}
    refused = client.post(f"{url}/new", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Please name the venue" in html.split('id="new-venue_name-error"', 1)[1][:100]
    data.update({"new-venue_name": "Vilnius Old Town", "csrf_token": csrf_of(client, url)})
    refused = client.post(f"{url}/new", data=data)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "https://" in html.split('id="new-venue_map_url-error"', 1)[1][:100]
    data.update({"new-venue_city": "Vilnius", "new-venue_map_url": "",
                 "csrf_token": csrf_of(client, url)})
    assert client.post(f"{url}/new", data=data).status_code == 303
    part = db.session.scalar(select(ProgrammePart).where(ProgrammePart.title == "Visit"))
    assert str(part.own_venue) == "Vilnius Old Town, Didžioji g. 5, Vilnius"
    edit = client.get(f"{url}/{part.id}/edit").get_data(as_text=True)
    assert 'value="Vilnius Old Town"' in edit
    page = text_of(client.get(f"/events/{vilnius.slug}").get_data(as_text=True))
    assert "Visit Where: Vilnius Old Town, Didžioji g. 5, Vilnius" in page
