"""The watch page through the reference event's day, with the clock moved."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from tests.conftest import text_of
from webapp.extensions import db
from webapp.models import Attendance, Registration, ViewMode, WatchNetwork
from webapp.services.watch import sign_media_url
from webapp.tokens import make_token

HX = {"HX-Request": "true"}


@pytest.fixture
def watch_link(reference_event, make_registration):
    """A registered web participant's watch link."""
    registration = make_registration(reference_event, email="viewer@example.org", name="Viewer")
    return f"/watch/{make_token('watch', registration)}"


def page(client, link, **kwargs):
    response = client.get(link, **kwargs)
    return response, text_of(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("moment", "state", "shown"),
    [
        ("2021-11-17 12:00", "before",
         "The stream starts at 10:00 EET on Thursday 18 November 2021 (in 22 hours)."),
        ("2021-11-18 09:44:59", "before", "The stream starts at 10:00 EET"),
        ("2021-11-18 09:45", "live", "Live now: Part I: The overall picture (10:00–12:45 EET)"),
        ("2021-11-18 11:00", "live", "Live now: Part I"),
        ("2021-11-18 12:59:59", "live", "Live now: Part I"),
        ("2021-11-18 13:00", "pause", "Break: the stream resumes at 17:10 EET."),
        ("2021-11-18 14:00", "pause",
         "Part II: Workshops is not streamed; the stream resumes at 17:10 EET."),
        ("2021-11-18 17:10", "live", "Live now: Part III: Conclusions (17:10–18:20 EET)"),
        ("2021-11-18 18:35", "after",
         "The recording is available until Saturday 18 December 2021, 23:59 EET."),
        ("2021-12-18 23:59:59", "after", "Watch the recording: Part III: Conclusions"),
    ],
)
def test_the_reference_day(client, watch_link, travel, moment, state, shown):
    travel(moment)
    response, text = page(client, watch_link)
    assert response.status_code == 200
    assert f'data-state="{state}"' in response.get_data(as_text=True)
    assert shown in text


def test_the_first_second_after_the_expiry_is_410(client, watch_link, travel):
    travel("2021-12-19 00:00:00")
    response, text = page(client, watch_link)
    assert response.status_code == 410
    assert "available until Saturday 18 December 2021, 23:59 EET and has now expired" in text


def test_the_player_is_the_events_embed_url_while_live(client, watch_link, travel):
    travel("2021-11-18 10:30")
    html = client.get(watch_link).get_data(as_text=True)
    assert '<iframe src="https://stream.example.org/nordic-seminar-2021/live"' in html


def test_a_provider_that_forbids_embedding_gets_a_link_out(
        client, watch_link, reference_event, travel):
    reference_event.stream_embeddable = False
    db.session.commit()
    travel("2021-11-18 10:30")
    html = client.get(watch_link).get_data(as_text=True)
    assert "<iframe" not in html
    assert 'href="https://stream.example.org/nordic-seminar-2021/live" target="_blank"' in html


def test_polling_fragment_and_when_it_stops(client, watch_link, travel):
    travel("2021-11-18 09:00")
    fragment = client.get(watch_link, headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="watch-state"')
    assert 'hx-trigger="every 30s"' in fragment and "<html" not in fragment
    travel("2021-11-18 19:00")
    after = client.get(watch_link, headers=HX).get_data(as_text=True)
    assert 'data-state="after"' in after and 'hx-trigger="every 30s"' in after
    travel("2021-12-19 00:00")
    gone = client.get(watch_link, headers=HX)
    assert gone.status_code == 410 and "hx-trigger" not in gone.get_data(as_text=True)


def test_the_calendar_link_on_the_watch_page_uses_the_watch_token(client, watch_link, travel):
    travel("2021-11-17 12:00")
    page_html = client.get(watch_link).get_data(as_text=True)
    calendar_url = f"{watch_link}/calendar.ics"
    assert f'href="{calendar_url}"' in page_html
    response = client.get(calendar_url)
    assert (response.status_code == 200
            and response.headers["Content-Type"].startswith("text/calendar"))
    assert b"BEGIN:VEVENT" in response.data
    assert client.get(f"{watch_link}x/calendar.ics").status_code == 404  # tampered
    registration = db.session.scalars(select(Registration)).one()
    registration.token_version += 1  # every link revoked
    db.session.commit()
    assert client.get(calendar_url).status_code == 404


def test_recordings_open_until_the_expiry(client, watch_link, reference_event, travel):
    reference_event.parts[0].recording_url = "https://stream.example.org/nordic/part-1.mp4"
    db.session.commit()
    part_one, part_three = reference_event.parts[0], reference_event.parts[2]
    travel("2021-11-20 12:00")
    one = client.get(f"{watch_link}/recording/{part_one.id}").get_data(as_text=True)
    assert 'src="https://stream.example.org/nordic/part-1.mp4"' in one
    three = client.get(f"{watch_link}/recording/{part_three.id}").get_data(as_text=True)
    assert 'src="https://stream.example.org/nordic-seminar-2021/recording"' in three
    assert client.get(f"{watch_link}/recording/{reference_event.parts[1].id}").status_code == 404
    travel("2021-12-19 00:00")
    assert client.get(f"{watch_link}/recording/{part_one.id}").status_code == 410


def test_refusals(client, watch_link, reference_event, travel, app):
    travel("2021-11-18 10:30")
    registration = db.session.scalars(select(Registration)).one()
    token = watch_link.rsplit("/", 1)[1]
    assert client.get(f"/watch/{token[:-3]}abc").status_code == 404, "tampered"
    assert client.get(
        f"/watch/{make_token('participant', registration)}").status_code == 404, "another purpose"
    from itsdangerous import URLSafeSerializer

    foreign = URLSafeSerializer("not-our-secret", salt="webinar-desk/watch").dumps(
        [registration.id, 1])
    assert client.get(f"/watch/{foreign}").status_code == 404
    registration.token_version = 2
    db.session.commit()
    response, text = page(client, watch_link)
    assert response.status_code == 403 and "replaced by a newer one" in text
    registration.token_version = 1
    registration.status = registration.status.CANCELLED
    db.session.commit()
    response, text = page(client, watch_link)
    assert response.status_code == 403 and "was cancelled" in text
    registration.status = registration.status.PENDING
    db.session.commit()
    response, text = page(client, watch_link)
    assert response.status_code == 403 and "confirm your email address first" in text
    registration.status = registration.status.REGISTERED
    reference_event.status = reference_event.status.CANCELLED
    db.session.commit()
    assert client.get(watch_link).status_code == 410


def test_watch_pages_are_private(client, watch_link, travel):
    travel("2021-11-18 10:30")
    response = client.get(watch_link)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    # The page and its HTMX fragment share an address: caches must tell them apart.
    assert "HX-Request" in response.headers["Vary"]
    assert "frame-src https://" in response.headers["Content-Security-Policy"]


def test_an_edited_event_reaches_the_watch_page_at_once(
        client, watch_link, reference_event, travel):
    travel("2021-11-18 10:30")
    assert "Part I: The overall picture" in page(client, watch_link)[1]
    reference_event.parts[0].title = "Part I: Renamed"
    db.session.commit()
    assert "Live now: Part I: Renamed" in page(client, watch_link)[1]


def test_attendance_one_row_per_minute_per_part(client, watch_link, travel):
    travel("2021-11-18 10:30:05")
    client.get(watch_link)
    travel("2021-11-18 10:30:35")
    client.get(watch_link, headers=HX)
    travel("2021-11-18 10:31:05")
    client.get(watch_link, headers=HX)
    travel("2021-11-18 14:00")
    client.get(watch_link)
    rows = db.session.scalars(select(Attendance).order_by(Attendance.minute)).all()
    assert [(r.mode, r.minute.strftime("%H:%M"), r.part.title[:7]) for r in rows] == [
        (ViewMode.LIVE, "08:30", "Part I:"), (ViewMode.LIVE, "08:31", "Part I:")]
    [network] = db.session.scalars(select(WatchNetwork)).all()
    assert len(network.network) == 32 and "127.0.0" not in network.network


def test_recording_views_are_recorded(client, watch_link, reference_event, travel):
    travel("2021-11-20 12:00")
    client.get(f"{watch_link}/recording/{reference_event.parts[2].id}")
    [row] = db.session.scalars(select(Attendance)).all()
    assert row.mode is ViewMode.RECORDING and row.part_id == reference_event.parts[2].id


def test_a_link_opened_from_many_networks_is_flagged_not_blocked(client, watch_link, travel):
    travel("2021-11-18 10:30")
    for n in range(1, 4):
        client.get(watch_link, environ_base={"REMOTE_ADDR": f"10.{n}.0.1"})
    assert db.session.scalars(select(Registration)).one().shared_link_flagged_at is None
    client.get(watch_link, environ_base={"REMOTE_ADDR": "2001:db8::1"})
    db.session.expire_all()
    assert db.session.scalars(select(Registration)).one().shared_link_flagged_at is not None
    assert client.get(watch_link, environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code == 200


def test_media_urls_are_signed_in_nginx_secure_link_form(
        client, watch_link, reference_event, travel):
    reference_event.media_link_secret = "a-long-media-secret"
    db.session.commit()
    travel("2021-11-18 10:30")
    html = client.get(watch_link).get_data(as_text=True)
    src = html.split('<iframe src="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    query = parse_qs(urlsplit(src).query)
    expires = int(query["expires"][0])
    four_hours = int(datetime(2021, 11, 18, 12, 30, tzinfo=timezone.utc).timestamp())
    assert four_hours < expires <= four_hours + 60 and expires % 60 == 0, "whole minutes"
    # What nginx computes for: secure_link_md5 "$secure_link_expires$uri a-long-media-secret";
    digest = hashlib.md5(
        f"{expires}/nordic-seminar-2021/live a-long-media-secret".encode()).digest()
    assert query["md5"][0] == base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert sign_media_url("https://x.org/a?b=1", "s", 10).startswith("https://x.org/a?b=1&md5=")


def test_recording_links_expire_with_the_recording(reference_event, app, travel):
    from webapp.services.watch import media_url

    reference_event.media_link_secret = "a-long-media-secret"
    travel("2021-12-18 23:00")
    with app.test_request_context():
        url = media_url(reference_event, "https://x.org/r.mp4",
                        until=reference_event.recording_available_until)
    assert f"expires={int(reference_event.recording_available_until.timestamp())}" in url


def test_the_watch_read_gives_connections_back_to_the_pool_transactional(
        app, client, watch_link, travel):
    """The watch page reads outside a transaction; the pooled connection it used must
    come back as it was, or the next request's rollback would not undo anything."""
    travel("2021-11-17 12:00")
    registration_id = db.session.scalar(select(Registration.id))
    db.session.remove()  # the test's own session gives its connection back first
    assert client.get(watch_link).status_code == 200
    with db.engine.connect() as connection:  # the connection the page used (the pool is LIFO)
        connection.execute(update(Registration).values(name="Changed"))
        connection.rollback()
    assert db.session.get(Registration, registration_id).name == "Viewer"


def test_tokens_never_reach_the_development_servers_log(watch_link, caplog):
    from webapp.logs import RedactTokens, redact

    assert (redact(f"GET {watch_link}/recording/3 HTTP/1.1")
            == "GET /watch/[token]/recording/3 HTTP/1.1")
    logger = logging.getLogger("werkzeug")
    assert any(isinstance(f, RedactTokens) for f in logger.filters)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info('%s - - "%s" %s', "127.0.0.1", f"GET {watch_link} HTTP/1.1", 200)
    assert watch_link.rsplit("/", 1)[1] not in caplog.text and "/watch/[token]" in caplog.text


def test_tokens_never_reach_gunicorns_access_log(app, watch_link, travel):
    """A real gunicorn with deploy/gunicorn.conf.py serves the watch page; its log has no token."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.conftest import ROOT
    from tests.smtp import free_port

    port = free_port()
    env = {**os.environ, "WEBAPP_ENV": "production", "SECRET_KEY": app.config["SECRET_KEY"],
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECURITY_PASSWORD_SALT": "salt", "SECURITY_TOTP_SECRET": "totp"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "webapp:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{watch_link}").close()
                break
            except urllib.error.HTTPError as error:  # served (the real clock is past 2021)
                assert error.code == 410
                error.close()
                break
            except (ConnectionError, urllib.error.URLError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    token = watch_link.rsplit("/", 1)[1]
    assert "GET /watch/[token] HTTP/1.1" in output
    assert token not in output


def test_preview_command_prints_the_state(runner, reference_event):
    result = runner.invoke(
        args=["events", "preview", reference_event.slug, "--at", "2021-11-18 14:00"])
    assert result.exit_code == 0, result.output
    assert "at 2021-11-18 14:00 EET: pause" in result.output
    assert "Part II: Workshops is not streamed; the stream resumes at 17:10 EET." in result.output
    bad = runner.invoke(args=["events", "preview", reference_event.slug, "--at", "tomorrow"])
    assert bad.exit_code != 0 and "--at: expected a date and time" in bad.output
    assert runner.invoke(
        args=["events", "preview", "nope", "--at", "2021-11-18 10:00"]).exit_code != 0


def test_the_player_has_a_visible_way_out_and_expiry_says_what_expired(client, watch_link,
                                                                       travel):
    travel("2021-11-18 10:30")
    page = text_of(client.get(watch_link).get_data(as_text=True))
    assert "If the player does not appear, open the stream in a new window" in page
    travel("2022-01-01 12:00")
    expired = client.get(watch_link)
    assert expired.status_code == 410
    assert "<h1>The recording has expired</h1>" in expired.get_data(as_text=True)
