"""Email through the outbox, delivered to a real SMTP server on loopback."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar
from sqlalchemy import func, select

from tests.conftest import drain_mail, extract
from webapp.extensions import db
from webapp.mail.outbox import notify_stream_link
from webapp.models import (
    Event,
    MailKind,
    MailStatus,
    OutboxMessage,
    Registration,
    RegistrationStatus,
)

OPEN = "2021-11-10 12:00"


def outbox(kind: MailKind | None = None) -> list[OutboxMessage]:
    """Outbox rows as they are now, oldest first."""
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def status_of(registration_id: int) -> RegistrationStatus:
    """The registration's status as committed now."""
    db.session.expire_all()
    return db.session.get(Registration, registration_id).status


def body(message) -> tuple[str, str]:
    """(plain text, HTML) of a received message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def path_of(url: str) -> str:
    """The path of an absolute link in an email (the test client needs no host)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def test_sign_up_writes_the_registration_and_its_email_together(signup, travel):
    travel(OPEN)
    signup.post()
    [row] = outbox()
    assert row.kind is MailKind.CONFIRMATION and row.status is MailStatus.QUEUED
    assert row.idempotency_key == f"confirmation:{row.registration_id}:v1"


def test_refused_sign_up_writes_neither(signup, travel):
    travel("2021-11-17 00:00")
    signup.post()
    assert outbox() == [] and db.session.scalar(select(func.count(Registration.id))) == 0


def test_enqueueing_the_same_message_twice_keeps_one(signup, travel):
    travel(OPEN)
    signup.post()
    registration = db.session.scalars(select(Registration)).one()
    notify_stream_link(registration)
    notify_stream_link(registration)
    db.session.commit()
    assert len(outbox(MailKind.STREAM_LINK)) == 1


def test_confirmation_arrives_with_headers_links_and_calendar(app, smtp, signup, client, travel):
    travel(OPEN)
    signup.post()
    stats = drain_mail(app)
    assert stats.sent == 1
    [message] = smtp.to("anna@example.org")
    assert message["Subject"] == ("Registered: Seminar on best practice against human "
                                  "trafficking in the Nordic countries")
    assert message["From"] == "Webinar Desk <no-reply@localhost>"
    assert message["Date"] and message["Message-ID"].startswith("<wd.")
    assert message["Message-ID"] == outbox()[0].message_id
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = body(message)
    for content in (text, html):
        assert "Thursday 18 November 2021, 10:00–18:20 EET" in content
        assert "10:00–12:45 EET Part I: The overall picture" in content
        assert "Part II:" not in content.split("Questions?")[0]
    cancel = extract(r"To cancel your registration: (\S+)", text)
    assert cancel.startswith("http://localhost/p/") and cancel.endswith("/cancel")
    assert "Yes, cancel my registration" in client.get(path_of(cancel)).get_data(as_text=True)
    assert "<img" not in html, "no tracking pixels"
    [attachment] = [p for p in message.iter_attachments()]
    assert attachment.get_content_type() == "text/calendar"
    calendar = Calendar.from_ical(attachment.get_content())
    assert len(calendar.walk("VEVENT")) == 2
    assert str(calendar.walk("VEVENT")[0].decoded("DTSTART").tzinfo) == "Europe/Helsinki"
    assert outbox()[0].status is MailStatus.SENT and outbox()[0].transport == "smtp"


def test_reply_to_is_the_events_contact_address_and_without_one_no_reply_is_asked(
        app, smtp, signup, reference_event, travel):
    travel(OPEN)
    signup.post(email="first@example.org")
    drain_mail(app)  # (rendered when sent)
    db.session.get(Event, reference_event.id).contact_email = "seminar@example.fi"
    db.session.commit()
    signup.post(email="second@example.org")
    drain_mail(app)
    without, with_contact = smtp.to("first@example.org")[0], smtp.to("second@example.org")[0]
    assert without["Reply-To"] is None
    assert "Reply to this email" not in body(without)[0]
    assert with_contact["Reply-To"] == "seminar@example.fi"
    assert "Questions? Reply to this email, or write to seminar@example.fi." in \
        body(with_contact)[0]


def test_messages_are_rendered_at_send_time(app, smtp, signup, reference_event, travel):
    travel(OPEN)
    signup.post()
    reference_event.parts[0].starts_at += timedelta(minutes=30)
    db.session.commit()
    drain_mail(app)
    text, _ = body(smtp.messages[0])
    assert "10:30–12:45 EET Part I" in text


def test_a_worker_that_rendered_a_message_renders_the_edited_event_next(app, smtp, signup,
                                                                       reference_event, travel):
    travel(OPEN)
    signup.post()
    drain_mail(app)  # the worker has rendered this kind of message for this event
    event = db.session.get(Event, reference_event.id)
    event.parts[0].starts_at += timedelta(minutes=30)
    event.contacts[0].email = "new.contact@example.org"
    db.session.commit()
    signup.post(email="bo@example.org", name="Bo Ek")
    drain_mail(app)
    first, second = (body(message)[0] for message in smtp.messages)
    assert "10:00–12:45 EET Part I" in first and "10:30–12:45 EET Part I" in second
    assert "new.contact@example.org" not in first and "new.contact@example.org" in second


def test_email_is_in_the_language_the_participant_signed_up_in(app, smtp, client, travel):
    from tests.conftest import REFERENCE, SignUp
    from webapp.services.event_import import import_event, parse_event_text

    event = import_event(parse_event_text(REFERENCE.read_text(), "x.yaml"))  # held in English
    db.session.commit()
    travel(OPEN)
    client.get("/?lang=sv")  # the site in Swedish
    SignUp(client, event.slug).post()
    english = app.test_client()
    SignUp(english, event.slug).post(email="erik@example.org")
    drain_mail(app)
    assert body(smtp.to("erik@example.org")[0])[0].startswith("Hello "), "the site's English"
    text, html = body(smtp.to("anna@example.org")[0])
    assert "torsdag 18 november 2021" in text
    assert text.startswith("Hej Anna Virtanen,") and "Du är anmäld till Seminar" in text
    assert "Avboka din anmälan: http://localhost/p/" in text and "Avboka din anmälan" in html
    assert smtp.to("anna@example.org")[0]["Subject"].startswith("Anmäld: Seminar")
    assert smtp.to("anna@example.org")[0]["Content-Language"] == "sv"


def test_refused_recipient_is_failed_with_the_servers_answer_and_not_retried(
        app, smtp, signup, travel):
    smtp.behaviour.refuse.add("anna@example.org")
    travel(OPEN)
    signup.post()
    stats = drain_mail(app)
    assert (stats.sent, stats.failed) == (0, 1)
    [row] = outbox()
    assert row.status is MailStatus.FAILED and row.last_error.startswith("550 5.1.1 No such user")
    travel("2021-11-12 12:00")
    assert drain_mail(app).sent == 0 and smtp.messages == []


def test_temporary_failure_is_retried_with_backoff_and_then_delivered(app, smtp, signup, travel):
    smtp.behaviour.temporary_failures = 2
    travel(OPEN)
    signup.post()
    assert drain_mail(app).retry == 1
    [row] = outbox()
    assert row.status is MailStatus.QUEUED and row.attempts == 1
    assert row.last_error.startswith("451")
    assert row.due_at == datetime(2021, 11, 10, 10, 1, tzinfo=timezone.utc)
    assert drain_mail(app).sent == 0, "not before its time"
    travel("2021-11-10 12:01")
    assert drain_mail(app).retry == 1
    assert outbox()[0].due_at == datetime(2021, 11, 10, 10, 3, tzinfo=timezone.utc), "doubled"
    travel("2021-11-10 12:03")
    assert drain_mail(app).sent == 1
    assert len(smtp.to("anna@example.org")) == 1 and outbox()[0].attempts == 3


def test_a_server_that_is_down_is_retried_but_never_forever(app, signup, travel):
    from tests.smtp import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    settings = app.extensions["mail"]
    settings.server, settings.port = "127.0.0.1", app.config["MAIL_PORT"]
    try:
        travel(OPEN)
        signup.post()
        for minutes in (0, 1, 3):
            travel(datetime(2021, 11, 10, 12, minutes))
            drain_mail(app)
        [row] = outbox()
        assert row.status is MailStatus.FAILED
        assert row.last_error.startswith("gave up after 3 attempts: connection:")
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25, MAIL_MAX_ATTEMPTS=8)
        app.extensions["mail"].server = None


def test_a_refused_login_leaves_the_batch_for_later_after_one_attempt(app, signup, travel):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    from tests.smtp import Handler, free_port

    handler = Handler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port(), auth_require_tls=False,
                        authenticator=lambda *args: AuthResult(success=False, handled=False))
    server.start()
    settings = app.extensions["mail"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    settings.server, settings.port = "127.0.0.1", server.port
    settings.username, settings.password = "desk", "wrong"
    try:
        travel(OPEN)
        signup.post()
        signup.post(email="bo@example.org", name="Bo Ek")
        stats = drain_mail(app)
        assert (stats.sent, stats.retry, stats.failed) == (0, 2, 0)
        assert all(row.status is MailStatus.QUEUED and row.last_error.startswith("connection: 535")
                   for row in outbox())
        assert handler.connections == 1, "one login per batch, not one per message"
        assert handler.messages == []
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        settings.server, settings.username, settings.password = None, None, None


def test_stream_link_goes_out_24_hours_before_the_first_streamed_part(app, smtp, signup, travel):
    travel(OPEN)
    signup.post(email="early@example.org")
    signup.post(email="other@example.org")
    travel("2021-11-17 09:59:59")
    drain_mail(app)
    assert outbox(MailKind.STREAM_LINK) == []
    travel("2021-11-17 10:00:00")
    assert drain_mail(app).enqueued == 2
    links = [m for m in smtp.messages if m["Subject"].startswith("Your link to the stream")]
    assert {m["To"] for m in links} == {"early@example.org", "other@example.org"}
    text, _ = body(smtp.to("early@example.org")[-1])
    assert "/watch/" in text and "Not streamed: Part II: Workshops (13:45–16:45 EET)" in text
    assert "until Saturday 18 December 2021, 23:59 EET" in text
    travel("2021-11-17 12:00:00")
    assert drain_mail(app).enqueued == 0, "once per event"


def test_registering_after_the_stream_link_time_gets_it_at_once(
        app, smtp, reference_event, client, travel):
    from tests.conftest import SignUp

    reference_event.registration_closes_at = reference_event.starts_at
    db.session.commit()
    travel("2021-11-17 18:00")
    SignUp(client, reference_event.slug).post()
    assert [r.kind for r in outbox()] == [MailKind.CONFIRMATION, MailKind.STREAM_LINK]


def test_reminder_an_hour_before_and_none_for_parts_already_over(app, smtp, signup, travel):
    travel(OPEN)
    signup.post()
    travel("2021-11-18 08:59:59")
    drain_mail(app)
    assert outbox(MailKind.REMINDER) == []
    travel("2021-11-18 09:00:00")
    drain_mail(app)
    [reminder] = [m for m in smtp.messages if m["Subject"].startswith("Starting soon")]
    assert "the stream begins at 10:00 EET" in body(reminder)[0]


def test_a_worker_down_until_part_one_is_over_sends_no_stale_reminder(app, smtp, signup, travel):
    travel(OPEN)
    signup.post()
    travel("2021-11-18 13:00")
    drain_mail(app)
    subjects = [m["Subject"].split(":")[0] for m in smtp.messages]
    assert "Starting soon" not in subjects
    assert "Your link to the stream" in subjects, (
        "the stream link still helps (Part III, recording)")


def test_a_queued_reminder_whose_part_is_over_is_skipped(app, smtp, signup, travel):
    travel(OPEN)
    signup.post()
    drain_mail(app)
    travel("2021-11-18 09:30")
    from webapp.mail.schedule import enqueue_due_messages

    enqueue_due_messages()
    db.session.commit()
    travel("2021-11-18 12:46")
    drain_mail(app)
    [row] = outbox(MailKind.REMINDER)
    assert row.status is MailStatus.SKIPPED and row.last_error == "the part is already over"


def test_recording_notice_after_the_event_and_not_after_expiry(app, smtp, signup, travel):
    travel(OPEN)
    signup.post(email="a@example.org")
    travel("2021-12-19 00:00")
    drain_mail(app)
    assert outbox(MailKind.RECORDING) == [], "the recording has expired"
    travel("2021-11-18 18:20")
    drain_mail(app)
    [notice] = [m for m in smtp.messages if m["Subject"].startswith("The recording is available")]
    assert "until Saturday 18 December 2021, 23:59 EET" in body(notice)[0]


def test_cancellation_mails_and_skips_what_was_queued(app, smtp, signup, client, travel):
    travel("2021-11-16 12:00")
    link = signup.register()
    travel("2021-11-17 11:00")
    from webapp.mail.schedule import enqueue_due_messages

    enqueue_due_messages()
    db.session.commit()
    page = client.get(link + "/cancel").get_data(as_text=True)
    csrf = extract(r'name="csrf_token" type="hidden" value="([^"]*)"', page)
    client.post(link + "/cancel", data={"csrf_token": csrf})
    drain_mail(app)
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == ["Registration cancelled"]
    skipped = {row.kind: row.last_error for row in outbox() if row.status is MailStatus.SKIPPED}
    assert skipped == {MailKind.CONFIRMATION: "registration is not active",
                       MailKind.STREAM_LINK: "registration is not active"}


def test_already_registered_resends_the_link_at_most_once_per_interval(
        app, smtp, signup, client, travel):
    travel(OPEN)
    first = signup.post()
    again = signup.post()
    assert again.headers["Location"] == first.headers["Location"], "the same answer"
    signup.post()
    travel("2021-11-10 12:16")
    signup.post()
    assert len(outbox(MailKind.RESEND_LINK)) == 2
    drain_mail(app)
    resent = [m for m in smtp.messages if m["Subject"].startswith("Your personal link")]
    link = extract(r"(http://localhost/p/\S+)", body(resent[0])[0])
    assert client.get(path_of(link)).status_code == 200


def test_double_opt_in_counts_only_after_the_link_is_clicked(
        app, smtp, signup, reference_event, client, travel):
    reference_event.require_email_confirmation = True
    reference_event.web_capacity = 5
    db.session.commit()
    travel(OPEN)
    response = signup.post()
    assert response.headers["Location"] == f"/events/{reference_event.slug}/check-your-email"
    registration = db.session.scalars(select(Registration)).one()
    assert registration.status is RegistrationStatus.PENDING
    event_page = f"/events/{reference_event.slug}"
    assert "5 web places left" in client.get(event_page).get_data(as_text=True)
    drain_mail(app)
    [message] = smtp.messages
    assert message["Subject"].startswith("Please confirm your registration")
    confirm = extract(r"(http://localhost/confirm/\S+)", body(message)[0])
    page = client.get(path_of(confirm))
    assert page.status_code == 200
    assert status_of(registration.id) is RegistrationStatus.PENDING, (
        "a GET (a mail scanner) confirms nothing")
    csrf = extract(r'name="csrf_token" type="hidden" value="([^"]*)"', page.get_data(as_text=True))
    done = client.post(path_of(confirm), data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["Location"].startswith("/p/")
    assert status_of(registration.id) is RegistrationStatus.REGISTERED
    assert "4 web places left" in client.get(event_page).get_data(as_text=True)
    drain_mail(app)
    assert smtp.messages[-1]["Subject"].startswith("Registered")


def test_unconfirmed_registrations_are_removed_after_the_set_time(
        app, signup, reference_event, travel):
    reference_event.require_email_confirmation = True
    db.session.commit()
    travel(OPEN)
    signup.post()
    travel("2021-11-12 11:59")
    drain_mail(app)
    assert db.session.scalar(select(func.count(Registration.id))) == 1
    travel("2021-11-12 12:01")
    drain_mail(app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_without_a_mail_server_mail_is_kept_and_readable_in_the_app(app, signup, client, travel):
    travel(OPEN)
    signup.post()
    assert drain_mail(app).sent == 1
    [row] = outbox()
    assert row.status is MailStatus.SENT and row.transport == "local"
    listing = client.get("/dev/mail/").get_data(as_text=True)
    assert "anna@example.org" in listing and "confirmation" in listing
    shown = client.get(f"/dev/mail/{row.id}").get_data(as_text=True)
    assert "Registered: Seminar on best practice" in shown
    assert "To cancel your registration: http://localhost/p/" in shown


def test_the_local_mailbox_is_never_served_in_production(app, client):
    app.config["LOCAL_MAILBOX"] = False
    try:
        assert client.get("/dev/mail/").status_code == 404
    finally:
        app.config["LOCAL_MAILBOX"] = True


def test_personal_values_are_filled_in_escaped_and_in_utf_8(app, smtp, signup, client, travel):
    travel(OPEN)
    signup.post(name="Märta <b>Åström</b>", email="marta@example.se")
    signup.post(name="Anna Virtanen", email="anna@example.org")
    registrations = {r.email: r for r in db.session.scalars(select(Registration))}
    for registration in registrations.values():
        notify_stream_link(registration)
    db.session.commit()
    drain_mail(app)
    [marta] = [m for m in smtp.to("marta@example.se") if m["Subject"].startswith("Your link")]
    [anna] = [m for m in smtp.to("anna@example.org") if m["Subject"].startswith("Your link")]
    assert marta.get_content_type() == "multipart/alternative"
    text, html = body(marta)
    assert "Hello Märta <b>Åström</b>," in text
    assert "Hello Märta &lt;b&gt;Åström&lt;/b&gt;," in html
    watch_marta = extract(r"(http://localhost/watch/\S+)", text)
    watch_anna = extract(r"(http://localhost/watch/\S+)", body(anna)[0])
    assert watch_marta != watch_anna, "each recipient gets their own token"
    assert f'href="{watch_marta}"' in html
    assert "\ue000" not in text + html and "WDTOKENWD" not in text + html
    assert client.get(path_of(watch_marta)).status_code == 200


def test_recording_notice_thanks_those_who_watched_live(app, smtp, signup, client, travel):
    from webapp.tokens import make_token

    travel(OPEN)
    signup.post(email="watched@example.org")
    signup.post(email="missed@example.org")
    watcher = db.session.scalar(
        select(Registration).where(Registration.email == "watched@example.org"))
    travel("2021-11-18 10:30")
    client.get(f"/watch/{make_token('watch', watcher)}")
    travel("2021-11-18 18:40")
    drain_mail(app)
    notice = {m["To"]: body(m)[0] for m in smtp.messages
              if m["Subject"].startswith("The recording")}
    assert "Thank you for following" in notice["watched@example.org"]
    assert "You did not get to follow" in notice["missed@example.org"]


def test_recording_notice_is_neutral_when_nobody_was_recorded_watching(app, smtp, signup, travel):
    travel(OPEN)
    signup.post()
    travel("2021-11-18 18:40")
    drain_mail(app)
    [notice] = [m for m in smtp.messages if m["Subject"].startswith("The recording")]
    assert "is available to registered participants until" in body(notice)[0]


def test_a_worker_whose_lease_ran_out_does_not_record_rows_another_worker_took_back(
        app, signup, travel):
    from webapp.mail.batch import BatchResult, claim_batch, record

    travel(OPEN)
    signup.post()
    signup.post(email="bo@example.org", name="Bo Ek")
    slow = claim_batch("slow-worker", 10)
    assert len(slow) == 2
    travel(datetime.fromisoformat(f"{OPEN}:00+02:00")
           + timedelta(seconds=app.config["MAIL_LEASE_SECONDS"] + 1))
    taken_back = claim_batch("other-worker", 10)
    assert taken_back == slow
    record(BatchResult(sent=[(row_id, f"<slow.{row_id}@example.org>") for row_id in slow]),
           "slow-worker", "smtp")
    rows = outbox()
    assert {(row.status, row.claimed_by, row.message_id) for row in rows} == {
        (MailStatus.SENDING, "other-worker", None)}
    record(BatchResult(sent=[(row_id, f"<other.{row_id}@example.org>") for row_id in taken_back]),
           "other-worker", "smtp")
    rows = outbox()
    assert [(row.status, row.claimed_by, row.message_id, row.transport) for row in rows] == [
        (MailStatus.SENT, None, f"<other.{row.id}@example.org>", "smtp") for row in rows]
    assert all(row.sent_at is not None and row.last_error is None for row in rows)


def test_an_address_with_an_international_domain_goes_out_in_idna(app, smtp, signup, travel):
    travel(OPEN)
    signup.post(email="anna@exämple.org")
    assert drain_mail(app).sent == 1
    [message] = smtp.messages
    assert message["To"] == "anna@xn--exmple-cua.org"


def test_a_utf_8_mailbox_name_goes_out_with_smtputf8(app, smtp, signup, travel):
    travel(OPEN)
    signup.post(email="änna@example.org")
    assert drain_mail(app).sent == 1
    assert [m["To"] for m in smtp.messages] == ["änna@example.org"]


def test_a_utf_8_mailbox_name_fails_alone_on_a_server_without_smtputf8(app, signup, travel):
    from aiosmtpd.controller import Controller

    from tests.smtp import Handler, free_port

    handler = Handler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=False)
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", server.port
    try:
        travel(OPEN)
        signup.post(email="änna@example.org")
        signup.post(email="bo@example.org", name="Bo Ek")
        stats = drain_mail(app)
        assert (stats.sent, stats.failed) == (1, 1)
        [failed] = [row for row in outbox() if row.status is MailStatus.FAILED]
        assert "SMTPUTF8" in failed.last_error
        assert [m["To"] for m in handler.messages] == ["bo@example.org"]
    finally:
        server.stop()
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
        app.extensions["mail"].server = None


def test_a_batch_is_loaded_and_rendered_in_two_queries_whatever_its_size(app, signup, travel):
    from sqlalchemy import event as sqlalchemy_event

    from webapp.mail.batch import prepare_batch
    from webapp.mail.render import mail_context

    travel(OPEN)
    for n in range(6):
        signup.post(email=f"p{n}@example.org", name=f"P {n}")
    ids = [row.id for row in outbox()]
    db.session.remove()
    statements = []

    def count(*args) -> None:
        statements.append(args[2])

    sqlalchemy_event.listen(db.engine, "before_cursor_execute", count)
    try:
        with mail_context(app):
            batch = prepare_batch(ids)
    finally:
        sqlalchemy_event.remove(db.engine, "before_cursor_execute", count)
    assert len(batch.messages) == 6, "confirmations, each with its .ics"
    assert len(statements) == 2, statements
