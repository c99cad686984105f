"""Shared fixtures: the app on SQLite (or PostgreSQL with TEST_DATABASE_URL),
a clean database per test, a movable clock, and event factories."""

from __future__ import annotations

import json
import os
import re
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from config import TestConfig
from webapp import create_app, page_cache
from webapp.extensions import db, limiter
from webapp.services.event_import import import_event, load_event_file
from webapp.watch_fastpath import clear_caches

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "examples" / "nordic-seminar-trafficking-2021.yaml"
HELSINKI = ZoneInfo("Europe/Helsinki")


def database_url(tmp_path_factory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    if os.environ.get("TEST_DATABASE_URL"):
        return TestConfig.SQLALCHEMY_DATABASE_URI
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production (its own
    database session, ``g``, locale), not in the test's."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One application for the whole run, its schema created from the models."""
    url = database_url(tmp_path_factory)

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    application = create_app(Config)
    application.test_client_class = IsolatedClient
    with application.app_context():
        db.drop_all()
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _context(app):
    """Each test runs in an app context over an empty database."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        limiter.reset()
        clear_caches()
        page_cache.clear()


@pytest.fixture
def client(app):
    """A test client with cookies."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """The CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def travel():
    """Move the clock: ``travel("2021-11-16 23:59:59", HELSINKI)``; stays still."""
    current: list[time_machine.travel] = []

    def move(when: str | datetime, zone: ZoneInfo = HELSINKI):
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        if current:
            current.pop().stop()
        traveller = time_machine.travel(when.astimezone(timezone.utc), tick=False)
        traveller.start()
        current.append(traveller)

    yield move
    if current:
        current.pop().stop()


@pytest.fixture
def reference_event():
    """The reference event of seed 002, as shipped in examples/, committed."""
    event = import_event(load_event_file(REFERENCE))
    db.session.commit()
    return event


def reference_event_now():
    """The reference event moved into the future by whole weeks, so that registration
    is open by the real clock (browsers and servers in other processes see that one)."""
    from webapp.cli import demo_shift

    spec = load_event_file(REFERENCE)
    event = import_event(spec, shift=demo_shift(spec.starts_at, ZoneInfo(spec.timezone), 9))
    db.session.commit()
    return event


@pytest.fixture
def open_event():
    """``reference_event_now()``."""
    return reference_event_now()


@contextmanager
def count_queries():
    """The SQL statements run inside the block (``with count_queries() as seen:``)."""
    from sqlalchemy import event as sa_event

    seen: list[str] = []

    def before(connection, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", before)


# --- factories: a few lines make any event, registration or email a test needs ---


@pytest.fixture
def make_event():
    """``make_event(slug="x", language="sv", web_capacity=2)``: the reference event's
    document (Helsinki, 18 Nov 2021: Parts I and III streamed, Part II on site only)
    with the given top-level fields changed, imported and committed."""
    import yaml

    from webapp.services.event_import import parse_event_text

    def make(**fields):
        document = yaml.safe_load(REFERENCE.read_text())
        document.update({k: v for k, v in fields.items()})
        event = import_event(parse_event_text(json.dumps(document, default=str), "test.json"))
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_registration():
    """``make_registration(event, status="pending", kind="on_site", email=...)``:
    a committed registration in any state (web and registered by default)."""
    from webapp.models import Registration, RegistrationKind, RegistrationStatus

    counter = iter(range(1, 1_000_000))

    def make(event, *, status: str = "registered", kind: str = "web", **fields):
        number = next(counter)
        values = {"email": f"person{number}@example.org", "name": f"Person {number}",
                  "organisation": "", "consent_at": event.registration_opens_at}
        values.update(fields)
        registration = Registration(event=event, kind=RegistrationKind(kind),
                                    status=RegistrationStatus(status), **values)
        if status == "cancelled":
            registration.cancelled_at = registration.consent_at
        db.session.add(registration)
        db.session.commit()
        return registration

    return make


@pytest.fixture
def make_outbox():
    """``make_outbox(registration, "stream_link", status="failed", last_error="550 ...")``:
    a committed outbox row."""
    from webapp.models import MailKind, MailStatus, OutboxMessage

    counter = iter(range(1, 1_000_000))

    def make(registration, kind: str = "confirmation", *, status: str = "queued", **fields):
        row = OutboxMessage(
            idempotency_key=f"test:{kind}:{registration.id}:{next(counter)}",
            kind=MailKind(kind), status=MailStatus(status), registration_id=registration.id,
            event_id=registration.event_id, **{"context": {}, "attempts": 0, **fields})
        db.session.add(row)
        db.session.commit()
        return row

    return make


def _stamp_now(client) -> str:
    """A start stamp for the sign-up form, made at the current (moved) time for the
    client's session, as the page would have made it."""
    import hashlib
    import secrets

    from webapp import clock
    from webapp.forms.registration import _started_serializer

    with client.session_transaction() as session:
        secret = session.get("csrf_token", "")
    binding = hashlib.sha256(f"stamp|{secret}".encode()).hexdigest()[:16]
    return _started_serializer().dumps(
        [int(clock.now().timestamp()), secrets.token_hex(8), binding])


def extract(pattern: str, html: str) -> str:
    """The first group of ``pattern`` in ``html`` (fails the test if absent)."""
    match = re.search(pattern, html)
    assert match, f"{pattern!r} not found"
    return match.group(1)


class SignUp:
    """Fills and posts the sign-up form like a browser would."""

    def __init__(self, client, slug: str):
        self.client, self.slug = client, slug

    def form_fields(self) -> dict[str, str]:
        """GET the event page and read the CSRF token and the form's start stamp.

        When the page offers no form (registration closed), the stamp is made
        as the page would have made it now, so a POST can still be tried.
        """
        html = self.client.get(f"/events/{self.slug}").get_data(as_text=True)
        started = re.search(r'name="started" type="hidden" value="([^"]*)"', html)
        return {
            "csrf_token": extract(r'"X-CSRFToken": "([^"]*)"', html),
            "started": started.group(1) if started else _stamp_now(self.client),
        }

    def post(self, fields: dict | None = None, *, hidden: dict | None = None, headers=None, **data):
        """POST the form: the page's hidden fields, a valid person, then ``data``."""
        body = dict(hidden if hidden is not None else self.form_fields())
        body.update(name="Anna Virtanen", email="anna@example.org", organisation="HEUNI",
                    consent="y")
        body.update(fields or {})
        body.update(data)
        body = {k: v for k, v in body.items() if v is not None}
        return self.client.post(f"/events/{self.slug}/register", data=body, headers=headers or {})

    def register(self, **data) -> str:
        """Sign up (the answer is "check your email") and return the personal link the
        email holds, ``/p/<token>``."""
        response = self.post(**data)
        assert response.status_code == 303, response.status_code
        assert response.headers["Location"] == f"/events/{self.slug}/check-your-email"
        return participant_link(data.get("email", "anna@example.org"))


def participant_link(email: str) -> str:
    """``/p/<token>`` of the registration with ``email`` (as its emails give it)."""
    from sqlalchemy import select

    from webapp.models import Registration
    from webapp.tokens import make_token

    db.session.expire_all()
    registration = db.session.scalar(select(Registration).where(
        Registration.email == email.strip().lower()))
    return f"/p/{make_token('participant', registration)}"


@pytest.fixture
def signup(client, reference_event):
    """Sign-up helper for the reference event."""
    return SignUp(client, reference_event.slug)


def text_of(html: str) -> str:
    """The visible text of an HTML page, tags removed and spaces collapsed."""
    import html as html_module

    without_tags = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html_module.unescape(without_tags))


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback; the app sends to it during the test."""
    from tests.smtp import SmtpServer

    server = SmtpServer().start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    app.extensions["mail"].server, app.extensions["mail"].port = "127.0.0.1", server.port
    yield server
    app.config.update(saved)
    app.extensions["mail"].server, app.extensions["mail"].port = (
        saved["MAIL_SERVER"], saved["MAIL_PORT"])
    server.stop()


def drain_mail(app):
    """Run ``flask mail drain`` in-process; returns its totals."""
    from webapp.mail.worker import drain

    db.session.remove()
    return drain(app)


# --- coordinators --------------------------------------------------------------

PASSWORD = "a long test password"


@pytest.fixture
def make_user(app):
    """``make_user("c@example.org", admin=False, two_factors=True, events=[event])``:
    a committed account with the test password and (by default) an authenticator."""
    from webapp.services.users import create_user, grant_event

    def make(email="coordinator@example.org", *, admin=False, two_factors=True, events=()):
        user = create_user(email, admin=admin, password=PASSWORD)
        if two_factors:
            security = app.extensions["security"]
            security.datastore.tf_set(user, "authenticator",
                                      totp_secret=security.totp_factory.generate_totp_secret())
        for event in events:
            grant_event(user, event)
        db.session.commit()
        return user

    return make


def csrf_of(client, url: str) -> str:
    """The CSRF token of the form on ``url``."""
    html = client.get(url).get_data(as_text=True)
    return extract(r'name="[\w-]*csrf_token"[^>]*? value="([^"]+)"', html)


def current_code(app, user) -> str:
    """The code the user's authenticator app shows now."""
    return app.extensions["security"].totp_factory.generate_totp_password(user.tf_totp_secret)


def browser_sign_in(app, page, site: str, user) -> None:
    """Sign ``user`` in on a browser ``page`` at ``site`` as a coordinator does: the
    password, then the authenticator's code, landing on the events."""
    page.goto(f"{site}/manage/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Authentication code").fill(current_code(app, user))
    page.get_by_role("button", name="Submit code").click()
    expect(page.get_by_role("heading", name="Events")).to_be_visible()


def sign_in(app, client, user, password: str = PASSWORD):
    """Sign in as a coordinator would: password, then the authenticator's code."""
    token = csrf_of(client, "/manage/login")
    response = client.post("/manage/login", data={
        "email": user.email, "password": password, "csrf_token": token})
    if response.status_code == 302 and "/tf-validate" in response.location:
        code = current_code(app, user)
        response = client.post(response.location, data={"code": code, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def coordinator_client(app, client, make_user):
    """``coordinator_client(events=[...], admin=False)``: a client signed in as a new
    coordinator (with two factors) who manages ``events``."""
    def make(*, events=(), admin=False, email="coordinator@example.org"):
        user = make_user(email, admin=admin, events=events)
        sign_in(app, client, user)
        return client

    return make


# --- browsers (Playwright driving Debian's Chromium) -----------------------------

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"browser tests cannot be skipped under CI: {reason}")
    pytest.skip(reason)


def expect(locator):
    """Playwright's assertions (imported late: Playwright is only needed here)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium, shared by the browser tests."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page_errors():
    """Console errors and CSP violations seen by the pages a test opens (must stay empty)."""
    seen: list[str] = []
    yield seen
    assert not [m for m in seen if "Content Security Policy" in m or "Refused to" in m], seen


def watched(page, errors: list[str]):
    """Record the page's console errors into ``errors``."""
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


@pytest.fixture
def live_server(app):
    """The app served on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, _answered_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _answered_whole(app):
    """``app`` with each answer read whole (and closed) before the server sends it.
    Werkzeug's development server does not close an answer whose client hung up (its
    cleanup reads the reset socket first and raises), so a browser that navigates away
    while a static file downloads left that file open: a ResourceWarning, which fails
    the test that happened to be running. The app streams nothing that needs streaming."""
    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return wsgi


def add_views(registration, part, mode: str, minutes) -> None:
    """``registration`` had ``part`` open (``live`` or ``recording``) at these instants:
    the attendance rows and their sum (``ViewTotal``) as ``record_view`` writes them."""
    from webapp.models import Attendance, ViewMode, ViewTotal

    minutes = sorted(minutes)
    for minute in minutes:
        db.session.add(Attendance(registration_id=registration.id, part_id=part.id,
                                  mode=ViewMode(mode), minute=minute))
    db.session.add(ViewTotal(registration_id=registration.id, part_id=part.id,
                             mode=ViewMode(mode), first_minute=minutes[0],
                             last_minute=minutes[-1], minutes=len(minutes)))
    db.session.commit()
