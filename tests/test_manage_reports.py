"""The attendance report and the dashboards through HTTP."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from tests.conftest import add_views, csrf_of, text_of
from webapp.extensions import db
from webapp.models import MailKind, OutboxMessage, WatchNetwork

HX = {"HX-Request": "true"}
PART_I = datetime(2021, 11, 18, 8, 0, tzinfo=timezone.utc)  # 10:00 EET


def watch(registration, part, mode="live", minutes=range(1), start=PART_I):
    add_views(registration, part, mode, [start + timedelta(minutes=m) for m in minutes])


def test_attendance_per_part_with_totals_and_flagged_links(make_event, make_registration,
                                                           coordinator_client, travel):
    travel("2021-11-19 12:00")
    event = make_event()
    part_i, part_iii = event.parts[0], event.parts[2]
    anna = make_registration(event, name="Anna", email="anna@example.org")
    bo = make_registration(event, name="Bo", shared_link_flagged_at=PART_I)
    make_registration(event, name="Cecilia")
    watch(anna, part_i, "live", range(30))
    watch(anna, part_iii, "recording", range(5), start=PART_I + timedelta(days=1))
    watch(bo, part_i, "live", range(10, 15))
    for n in range(5):
        db.session.add(WatchNetwork(registration_id=bo.id, network=f"net{n}", last_seen=PART_I))
    db.session.commit()
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/attendance"
    page = text_of(client.get(url).get_data(as_text=True))
    assert "Part I: The overall picture 2 35 0 0" in page
    assert "Part III: Conclusions 0 0 1 5" in page and "Total 2 35 1 5" in page
    assert "Anna anna@example.org live 2021-11-18 10:00 EET 2021-11-18 10:29 EET 30" in page
    assert "Bo" in page.split("Links flagged as shared")[-1] and "5 Revoke and re-issue" in page
    recording = client.get(f"{url}?part={part_iii.id}&mode=recording", headers=HX)
    html = text_of(recording.get_data(as_text=True))
    assert "Part III: Conclusions: 1 viewer" in html and "recording" in html
    assert client.get(f"{url}?part=999999").status_code == 404
    assert client.get(f"{url}?mode=martian&page=zz").status_code == 200

    token = csrf_of(client, url)
    reissue = client.post(f"/manage/events/{event.id}/registrations/{bo.id}/reissue",
                          data={"csrf_token": token})
    assert reissue.status_code == 303
    assert "No link is flagged." in client.get(url).get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage.kind)).all() == [MailKind.LINKS_REISSUED]


def test_the_event_page_has_its_figures_and_a_chart_of_sign_ups(
        make_event, make_registration, make_outbox, coordinator_client, travel):
    travel("2021-11-10 12:00")
    event = make_event(web_capacity=10)
    for day, count in ((15, 2), (16, 1)):  # October, in Helsinki
        for _ in range(count):
            make_registration(event, created_at=datetime(2021, 10, day, 21, 30,
                                                         tzinfo=timezone.utc))
    late = make_registration(event, kind="on_site")
    make_outbox(late, "confirmation", status="sent")
    make_outbox(late, "reminder", status="failed", last_error="550")
    client = coordinator_client(events=[event])
    html = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    figures = text_of(html.split('id="event-figures"')[1].split("</dl>")[0])
    assert "Web 3 (7 places left)" in figures and "On site 1" in figures
    assert "Emails sent 1" in figures and "Emails failed 1" in figures
    assert "data-hx-trigger" not in html.split('id="event-figures"')[1][:300], "not on air"
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert "<script" not in html.split("<main")[1]
    bars = re.findall(r"<title>([\d-]+): (\d+)</title>", svg)
    assert ("2021-10-16", "2") in bars and ("2021-10-17", "1") in bars, "days in EEST"
    assert ("2021-11-10", "1") in bars and bars[0][0] == "2021-10-15"
    assert bars[-1][0] == "2021-11-16", "up to the deadline"
    table = text_of(html.split('class="chart-table"')[1].split("</table>")[0])
    assert "2021-10-16 2" in table and "2021-11-16 0" in table


def test_viewers_live_now_refresh_by_themselves(make_event, make_registration,
                                                coordinator_client, travel):
    travel("2021-11-18 10:30")
    event = make_event()
    now = datetime(2021, 11, 18, 8, 30, tzinfo=timezone.utc)
    for n in range(3):
        watch(make_registration(event), event.parts[0], "live", range(1),
              start=now - timedelta(minutes=n))  # 10:30, 10:29, 10:28 (gone)
    client = coordinator_client(events=[event])
    page = client.get(f"/manage/events/{event.id}").get_data(as_text=True)
    fragment = page.split('id="event-figures"')[1][:300]
    assert 'data-hx-trigger="every 10s"' in fragment
    assert re.search(r'class="live-now">2<', page)
    again = client.get(f"/manage/events/{event.id}/figures", headers=HX)
    assert again.get_data(as_text=True).lstrip().startswith('<div id="event-figures"')
    dashboard = client.get("/manage/dashboard").get_data(as_text=True)
    assert 'data-hx-trigger="every 10s"' in dashboard and re.search(
        r'class="live-now">2<', dashboard)
    part = client.get("/manage/dashboard/figures", headers=HX).get_data(as_text=True)
    assert part.lstrip().startswith('<div id="dashboard-figures"')
    assert client.get("/manage/dashboard/figures").status_code == 303


def test_the_dashboard_shows_only_ones_own_current_events(make_event, make_registration,
                                                          coordinator_client, travel):
    travel("2021-11-10 12:00")
    mine, other = make_event(), make_event(slug="not-mine", title="Somebody else's")
    make_registration(mine, kind="on_site")
    draft = make_event(slug="draft", title="A draft", status="draft")
    client = coordinator_client(events=[mine, draft])
    page = text_of(client.get("/manage/dashboard").get_data(as_text=True))
    assert mine.title in page and other.title not in page and "A draft" not in page
    assert f"{mine.title} Thursday 18 November 2021 0 – 1 0 0 0 0 0" in page
    travel("2022-02-01 12:00")
    client = coordinator_client(events=[mine], email="later@example.org")
    assert "No current events." in client.get("/manage/dashboard").get_data(as_text=True)


def test_sign_ups_fall_on_their_local_day_in_a_zone_off_by_half_an_hour(
        make_event, make_registration, travel):
    from webapp.services.dashboard import signups_per_day

    travel("2021-11-10 12:00")
    event = make_event(timezone="Asia/Kolkata")  # UTC+05:30
    make_registration(event, created_at=datetime(2021, 10, 20, 18, 45, tzinfo=timezone.utc))
    make_registration(event, created_at=datetime(2021, 10, 20, 18, 15, tzinfo=timezone.utc))
    days = dict(signups_per_day(event))
    assert days[datetime(2021, 10, 21).date()] == 1, "00:15 on the 21st in India"
    assert days[datetime(2021, 10, 20).date()] == 1, "23:45 on the 20th"
