"""Benchmark: the coordinators' registrations table and dashboards with 100 000
registrations, next to a bare Flask "hello".

The event holds 100 000 registrations (nine in ten on the web, a few cancelled, made
over its sign-up weeks), an outbox of about 190 000 messages (a confirmation each and
the stream link to the web, some failed), and 250 000 minutes of attendance (one in
ten watched 20 minutes live, one in twenty 10 minutes of the recording). A coordinator
signs in once (password only: TWO_FACTOR_REQUIRED=false) and wrk sends its session
cookie. Server, workers and load as in bench/watch_page.py (gunicorn 2 workers x 4
threads, wrk with 32 connections), runs alternated and the best compared; prints
requests per second, the ratio to "hello", and p99 latency, for:

- the registrations table, first page (50 rows sorted by name, with the counts);
- the same table searched (``?q=person 12``, what active search sends);
- the dashboard across events, and the event's page (its figures and sign-up chart).

    python bench/manage_pages.py [--database sqlite|postgresql] [--registrations 100000]

Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from bench.watch_page import PG, _has, free_port, serve  # noqa: E402

SCHEMA = "bench_manage"  # its own: the watch-page bench may run on the same database
SECRET = "bench-secret"
EMAIL, PASSWORD = "bench.coordinator@example.org", "a long bench password"
ENV = {"WEBAPP_ENV": "production", "SECRET_KEY": SECRET, "SECURITY_PASSWORD_SALT": "bench-salt",
       "SECURITY_TOTP_SECRET": "bench-totp-secret", "TWO_FACTOR_REQUIRED": "false",
       "SIGNIN_RATE_LIMIT": "1000 per minute"}


def database_url(kind: str, workdir: Path) -> str:
    """A new SQLite file, or a fresh schema of BENCH_DATABASE_URL."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(PG)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, registrations: int) -> int:
    """The reference event moved into the future, filled; returns its id."""
    os.environ.update(ENV, DATABASE_URL=url)
    from config import ProductionConfig
    from webapp import create_app
    from webapp.cli import demo_shift
    from webapp.extensions import db
    from webapp.services.event_import import import_event, load_event_file
    from webapp.services.users import create_user, grant_event

    class Config(ProductionConfig):
        SECRET_KEY = SECRET
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        spec = load_event_file(ROOT / "examples" / "nordic-seminar-trafficking-2021.yaml")
        event = import_event(spec, shift=demo_shift(spec.starts_at, ZoneInfo(spec.timezone), 9))
        db.session.flush()
        _fill(db, event, registrations)
        grant_event(create_user(EMAIL, password=PASSWORD), event)
        db.session.commit()
        event_id = event.id
        _vacuum(db.engine)
        db.engine.dispose()
    return event_id


def _vacuum(engine) -> None:
    """What autovacuum does after a bulk load (this machine's PostgreSQL runs without it):
    statistics for the planner, and the visibility map without which PostgreSQL cannot
    count from an index alone. Nothing on SQLite (the app never runs ANALYZE there)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


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


def sign_in(port: int) -> str:
    """Sign the coordinator in through the form; returns the session cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    page = opener.open(f"{base}/manage/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    opener.open(f"{base}/manage/login", body.encode()).read()
    check = opener.open(f"{base}/manage/dashboard")
    if not check.geturl().endswith("/manage/dashboard"):
        raise SystemExit(f"could not sign in: ended at {check.geturl()}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(port: int, path: str, seconds: int, cookie: str | None) -> tuple[float, float]:
    """wrk with 32 connections: (requests per second, p99 in ms); non-2xx is an error, and
    so is a request that takes longer than wrk's timeout (10 s: these pages count 100 000
    rows each time, so 32 connections queue for them)."""
    command = ["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"],
                            capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"errors under load on {path}:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    return rps, float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="alternated runs; the best is compared")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url(args.database, Path(tmp))
        event_id = prepare(url, args.registrations)
        env = {**os.environ, **ENV, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        pages = {"registrations": f"/manage/events/{event_id}/registrations",
                 "searched": f"/manage/events/{event_id}/registrations?q=person+12",
                 "dashboard": "/manage/dashboard", "event page": f"/manage/events/{event_id}"}
        print(f"{args.registrations} registrations on {args.database}; wrk, 32 connections, "
              f"{args.seconds} s each; gunicorn 2 workers x 4 threads")
        try:
            _run(env, pages, args)
        finally:
            if args.database == "postgresql":
                engine = create_engine(PG)
                with engine.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                engine.dispose()


def _run(env: dict, pages: dict[str, str], args) -> None:
    """Alternate hello and each page ``args.runs`` times; print the best of each."""
    ports = {"hello": free_port(), "app": free_port()}
    hello = serve("gunicorn", "bench.hello_app:app", ports["hello"], env)
    app = serve("gunicorn", "webapp:create_app()", ports["app"], env)
    try:
        cookie = sign_in(ports["app"])
        runs: dict[str, list] = {"hello": [], **{name: [] for name in pages}}
        for path in pages.values():
            load(ports["app"], path, 2, cookie)  # warm
        for _ in range(args.runs):
            runs["hello"].append(load(ports["hello"], "/hello", args.seconds, None))
            for name, path in pages.items():
                runs[name].append(load(ports["app"], path, args.seconds, cookie))
    finally:
        for process in (hello, app):
            process.terminate()
            process.wait()
    hello_rps, hello_p99 = max(runs["hello"])
    print(f"hello          {hello_rps:8.0f} req/s (p99 {hello_p99:7.1f} ms)")
    for name in pages:
        rps, p99 = max(runs[name])
        print(f"{name:14s} {rps:8.1f} req/s (p99 {p99:7.1f} ms)   ratio {rps / hello_rps:.3f}"
              f"   (all runs: {[round(r, 1) for r, _ in runs[name]]})")
    if _has("granian"):
        print("(granian is installed; this bench measures gunicorn only)")


if __name__ == "__main__":
    main()
