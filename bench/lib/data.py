"""The benchmark's databases and what they hold.

SQLite: a new file in the run's folder. PostgreSQL: a schema of its own in
BENCH_DATABASE_URL, named after this process (other engineers may run the benchmark
on the same server at the same time), dropped at the end.

Each holds the example events moved into the future as ``flask events demo`` moves
them (registration open today), and on the reference event (the Nordic seminar)
``registrations`` registrations (nine in ten on the web, one in 97 cancelled, made
over its sign-up weeks), an outbox of a confirmation each and the stream link for
the web (one in 200 failed), and attendance (one in ten watched 20 minutes live, one
in twenty 10 minutes of the recording): inserted in bulk with SQLAlchemy Core. A
coordinator who may manage the event signs in by password.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, insert, select, text

from bench.lib.env import PG

REFERENCE = "nordic-seminar-trafficking-2021"
COORDINATOR, PASSWORD = "bench.coordinator@example.org", "a long bench password"


@dataclass
class Database:
    """Where one kind of database keeps the benchmark's data."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    schema: str | None = None

    def drop(self) -> None:
        """Drop the PostgreSQL schema (the SQLite file goes with the run's folder)."""
        if self.schema:
            drop_schema(self.schema)


def sqlite_database(folder: Path) -> Database:
    return Database("sqlite", f"sqlite:///{folder / 'bench.sqlite3'}")


def postgresql_database(schema: str) -> Database:
    """A fresh schema of BENCH_DATABASE_URL, and the URL that works in it."""
    engine = create_engine(PG)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return Database("postgresql", f"{PG}{'&' if '?' in PG else '?'}"
                                  f"options=-csearch_path%3D{schema}", schema)


def drop_schema(schema: str) -> None:
    engine = create_engine(PG)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()


def check_postgresql() -> str | None:
    """Why BENCH_DATABASE_URL cannot be used, or None."""
    try:
        engine = create_engine(PG)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # any driver error: say what it was
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


def make_app(url: str, base_url: str = "http://127.0.0.1"):
    """The app as the servers build it (production settings from the environment)."""
    from config import ProductionConfig
    from webapp import create_app

    class Config(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = url
        BASE_URL = base_url

    app = create_app(Config, worker=False)
    # Its requests (the coordinator's sign-in) are the harness's, not the servers': no
    # line for each in the harness's output.
    logging.getLogger("webapp.requests").setLevel(logging.WARNING)
    return app


@dataclass
class Prepared:
    """What the runs need to know about the data."""

    event_id: int
    slug: str
    tokens: Path  # one watch token a line (the web participants still registered)


def prepare(app, registrations: int, tokens: Path) -> Prepared:
    """Create the tables and load the data (see the module)."""
    from webapp.cli import EXAMPLES, demo_shift
    from webapp.extensions import db
    from webapp.services.event_import import import_event, load_event_file
    from webapp.services.users import create_user, grant_event

    with app.app_context():
        db.create_all()
        events = {}
        for path in sorted(EXAMPLES.glob("*.yaml")):  # as `flask events demo` does
            spec = load_event_file(path)
            shift = demo_shift(spec.starts_at, ZoneInfo(spec.timezone), 9)
            events[spec.slug] = import_event(spec, shift=shift)
        event = events[REFERENCE]
        db.session.flush()
        _fill(db, event, registrations)
        grant_event(create_user(COORDINATOR, password=PASSWORD), event)
        db.session.commit()
        prepared = Prepared(event.id, event.slug, tokens)
        _write_tokens(db, event.id, tokens)
        _vacuum(db.engine)
        db.session.remove()
        db.engine.dispose()
    return prepared


def _fill(db, event, count: int) -> None:
    """Registrations, their emails and their minutes watched, inserted in chunks."""
    from webapp.models import Attendance, OutboxMessage, Registration

    opens, closes = event.registration_opens_at, event.registration_closes_at
    span = (closes - opens).total_seconds()
    part_i, part_iii = event.parts[0], event.parts[2]
    for start in range(0, count, 10_000):
        numbers = range(start, min(start + 10_000, count))
        db.session.execute(insert(Registration), [{
            "event_id": event.id, "email": f"person{n}@example.org", "name": f"Person {n}",
            "organisation": f"Organisation {n % 300}",
            "kind": "on_site" if n % 10 == 0 else "web",
            "status": "cancelled" if n % 97 == 0 else "registered",
            "consent_at": opens, "token_version": 1,
            "created_at": opens + timedelta(seconds=span * ((n * 7919) % count) / count)}
            for n in numbers])
    ids = db.session.execute(select(Registration.id, Registration.kind)
                             .where(Registration.event_id == event.id)).all()
    now = datetime.now(timezone.utc)
    mail, minutes = [], []
    for index, (registration_id, kind) in enumerate(ids):
        mail.append(_mail("confirmation", registration_id, event.id, "sent", now))
        if kind.value == "web":
            mail.append(_mail("stream_link", registration_id, event.id,
                              "failed" if index % 200 == 0 else "sent", now))
        if index % 10 == 1:
            minutes += [(registration_id, part_i.id, "live", part_i.starts_at, m)
                        for m in range(20)]
        if index % 20 == 3:
            minutes += [(registration_id, part_iii.id, "recording", part_iii.ends_at, m)
                        for m in range(10)]
    for start in range(0, len(mail), 20_000):
        db.session.execute(insert(OutboxMessage), mail[start:start + 20_000])
    rows = [{"registration_id": r, "part_id": p, "mode": mode,
             "minute": at + timedelta(minutes=m)} for r, p, mode, at, m in minutes]
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(Attendance), rows[start:start + 20_000])


def _mail(kind: str, registration_id: int, event_id: int, status: str, now) -> dict:
    return {"idempotency_key": f"{kind}:{registration_id}:v1", "kind": kind,
            "registration_id": registration_id, "event_id": event_id, "context": {},
            "status": status, "due_at": now, "attempts": 1, "created_at": now,
            "sent_at": now if status == "sent" else None,
            "last_error": "550 5.1.1 mailbox unavailable" if status == "failed" else None}


def _write_tokens(db, event_id: int, path: Path) -> None:
    """The watch tokens of the web participants who are still registered."""
    from webapp.models import Registration, RegistrationKind, RegistrationStatus
    from webapp.tokens import make_token

    rows = db.session.execute(select(Registration.id, Registration.token_version).where(
        Registration.event_id == event_id, Registration.kind == RegistrationKind.WEB,
        Registration.status == RegistrationStatus.REGISTERED))
    with path.open("w") as out:
        for registration_id, version in rows:
            out.write(make_token("watch", SimpleNamespace(id=registration_id,
                                                          token_version=version)) + "\n")


def _vacuum(engine) -> None:
    """What autovacuum does after a bulk load (this machine's PostgreSQL runs without it):
    statistics for the planner, and the visibility map without which PostgreSQL cannot
    count from an index alone. Nothing on SQLite (the app never runs ANALYZE there)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def coordinator_cookie(app) -> str:
    """Sign the coordinator in through the form, here in this process with the servers'
    settings, and return the Cookie header their session needs. Not through a server:
    the password check (argon2, 64 MiB) would then be one worker's peak memory."""
    import re

    client = app.test_client()
    base = app.config["BASE_URL"]
    page = client.get("/manage/login", base_url=base).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/manage/login", base_url=base, data={
        "email": COORDINATOR, "password": PASSWORD, "csrf_token": token})
    landed = client.get("/manage/dashboard", base_url=base)
    if landed.status_code != 200:
        raise SystemExit(f"could not sign the coordinator in: {landed.status_code} "
                         f"{landed.headers.get('Location', '')}")
    name = app.config["SESSION_COOKIE_NAME"]
    return f"{name}={client.get_cookie(name, domain='127.0.0.1').value}"


def seen_now(app, cookie: str) -> str:
    """The coordinator's session cookie as the last answer would have rewritten it: seen
    now (webapp/accounts.py rewrites a session seen over 30 s ago on every request, and
    signs it out after STAFF_IDLE_MINUTES; wrk would keep sending the first cookie)."""
    from webapp import clock

    serializer = app.session_interface.get_signing_serializer(app)
    name, value = cookie.split("=", 1)
    session = serializer.loads(value)
    session["staff_seen"] = int(clock.now().timestamp())
    return f"{name}={serializer.dumps(session)}"


def signup_counts(url: str, event_id: int) -> tuple[int, int]:
    """(registrations of the event, outbox rows of the event) now."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            registrations = connection.scalar(text(
                "SELECT count(*) FROM registrations WHERE event_id = :e"), {"e": event_id})
            outbox = connection.scalar(text(
                "SELECT count(*) FROM outbox WHERE event_id = :e"), {"e": event_id})
    finally:
        engine.dispose()
    return registrations, outbox


def registered_emails(url: str, event_id: int, like: str) -> set[str]:
    """The addresses registered for the event that match ``like`` (SQL LIKE)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.scalars(text(
                "SELECT email FROM registrations WHERE event_id = :e AND email LIKE :like"),
                {"e": event_id, "like": like}))
    finally:
        engine.dispose()

