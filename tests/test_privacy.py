"""Personal data: retention purge and deletion by the participant."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import drain_mail, extract
from webapp.extensions import db
from webapp.models import Attendance, OutboxMessage, Registration, WatchNetwork


def signed_up(signup, travel, **fields) -> str:
    travel("2021-11-10 12:00")
    return signup.register(**fields)


def test_purge_anonymises_after_the_retention_time_and_keeps_numbers(
        app, signup, client, runner, travel):
    signed_up(signup, travel, email="anna@example.org")
    signup.post(email="erik@example.org", name="Erik")
    registration = db.session.scalars(select(Registration).order_by(Registration.id)).first()
    from webapp.tokens import make_token

    travel("2021-11-18 10:30")
    client.get(f"/watch/{make_token('watch', registration)}")
    travel("2022-01-17 00:00")  # the recording expired on 18 December; 30 days later
    result = runner.invoke(args=["privacy", "purge"])
    assert "purged the personal data of 0 registrations" in result.output
    travel("2022-01-18 00:00")
    result = runner.invoke(args=["privacy", "purge"])
    assert "purged the personal data of 2 registrations" in result.output, result.output
    db.session.expire_all()
    rows = db.session.scalars(select(Registration)).all()
    assert all(r.name == "" and r.email.startswith("purged-") and r.purged_at for r in rows)
    assert db.session.scalar(select(func.count(Attendance.id))) == 1, "numbers stay"
    assert db.session.scalar(select(func.count(WatchNetwork.id))) == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    again = runner.invoke(args=["privacy", "purge"])
    assert "of 0 registrations" in again.output


def test_participant_deletes_their_registration_and_data(app, smtp, signup, client, travel):
    link = signed_up(signup, travel)
    page = client.get(link + "/delete")
    assert "This cannot be undone." in page.get_data(as_text=True)
    csrf = extract(r'name="csrf_token" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    assert client.post(link + "/delete").status_code == 400, "CSRF"
    response = client.post(link + "/delete", data={"csrf_token": csrf})
    assert response.status_code == 303 and response.headers["Location"] == f"/events/{signup.slug}"
    assert "have been deleted" in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    [last] = db.session.scalars(select(OutboxMessage)).all()
    assert last.kind.value == "data_deleted", "the pending confirmation went with the rest"
    assert client.get(link).status_code == 404
    drain_mail(app)
    [message] = smtp.messages
    assert message["To"] == "anna@example.org"
    assert message["Subject"].startswith("Your data is deleted")
    [calendar] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert calendar.get_param("method") == "CANCEL"
    assert b"STATUS:CANCELLED" in calendar.get_payload(decode=True)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, last.id).context == {
        "subject": message["Subject"]}, "the address is gone once sent"


def test_waiting_lists_and_series_sign_ups_go_with_the_personal_data(app, runner, travel):
    from tests.conftest import ROOT
    from webapp.db import run
    from webapp.models import SeriesSignup, WaitingEntry, WaitingKind
    from webapp.services.event_import import import_event, load_event_file
    from webapp.services.series import sign_up_for_series
    from webapp.services.waiting import join_waiting_list

    travel("2020-09-01 12:00")
    for path in sorted((ROOT / "examples").glob("dialogue-meeting-*.yaml")):
        import_event(load_event_file(path))
    db.session.commit()
    from webapp.models import Series

    series = db.session.scalars(select(Series)).one()
    first = series.events[0]
    first.web_capacity = 0
    db.session.commit()
    with app.test_request_context():
        run(lambda: sign_up_for_series(series, series.events, name="Lena",
                                       email="lena@example.se", organisation=""))
        run(lambda: join_waiting_list(series.events[1], WaitingKind.ON_SITE, name="Bo",
                                      email="bo@example.se"))
    assert db.session.scalar(select(func.count(WaitingEntry.id))) == 2
    travel("2020-11-01 00:00")  # 30 days after meeting 3 ended: 1-3 are past retention
    runner.invoke(args=["privacy", "purge"])
    db.session.expire_all()
    assert db.session.scalar(select(func.count(WaitingEntry.id))) == 0
    assert db.session.scalar(select(func.count(SeriesSignup.id))) == 1, "meetings 4, 5 remain"
    travel("2020-12-01 00:00")
    runner.invoke(args=["privacy", "purge"])
    assert db.session.scalar(select(func.count(SeriesSignup.id))) == 0
