"""Benchmark: the watch page with 100 000 registrations, next to a bare Flask "hello".

Both run under the same server and workers in the same run (gunicorn 2 workers x
4 threads, the reference; granian too when installed), loaded by wrk with 32
connections. Prints requests per second, the ratio to "hello", and p99 latency.

Runs alternate between the two servers, and the best run of each is compared
(every run is printed): on 2 cores a single run can be much slower when
gunicorn's two workers happen to share the connections unevenly, which hits
either server by chance (hello has been seen at 2 400 and 5 300 req/s in
successive runs). The best run is each server's figure without that luck.

    python bench/watch_page.py [--database sqlite|postgresql] [--registrations 100000]

Targets under gunicorn: at least 0.4 of hello on SQLite and 0.2 on PostgreSQL,
p99 under 50 ms. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text  # noqa: E402

SECRET = "bench-secret"
PG = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SCHEMA = "bench_watch"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    engine = create_engine(PG)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{PG}{'&' if '?' in PG else '?'}options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, registrations: int, tokens_file: Path) -> None:
    """The reference event moved into the future (the page is in its "before" state)."""
    os.environ.update(WEBAPP_ENV="production", SECRET_KEY=SECRET, DATABASE_URL=url)
    from config import ProductionConfig
    from webapp import create_app
    from webapp.cli import demo_shift
    from webapp.extensions import db
    from webapp.models import Registration, RegistrationKind
    from webapp.services.event_import import import_event, load_event_file
    from webapp.tokens import make_token

    class Config(ProductionConfig):
        SECRET_KEY = SECRET
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        db.create_all()
        spec = load_event_file(ROOT / "examples" / "nordic-seminar-trafficking-2021.yaml")
        event = import_event(spec, shift=demo_shift(spec.starts_at, ZoneInfo(spec.timezone), 9))
        now = datetime.now(timezone.utc)
        for start in range(0, registrations, 10_000):
            db.session.execute(insert(Registration), [
                {"event_id": event.id, "email": f"p{n}@example.org", "name": f"P {n}",
                 "organisation": "", "kind": RegistrationKind.WEB, "status": "registered",
                 "consent_at": now, "token_version": 1, "created_at": now}
                for n in range(start, min(start + 10_000, registrations))
            ])
        db.session.commit()
        with tokens_file.open("w") as out:
            for registration in db.session.scalars(select(Registration)):
                out.write(make_token("watch", registration) + "\n")
        db.engine.dispose()


def serve(server: str, target: str, port: int, env: dict) -> subprocess.Popen:
    """Start ``target`` under gunicorn (2 workers x 4 threads) or granian (2 x 4)."""
    if server == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
                   "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
                   "--log-level", "warning",
                   target]
    else:
        command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--workers", "2",
                   *(["--factory"] if target.endswith("create_app") else []),
                   "--blocking-threads", "4", "--host", "127.0.0.1", "--port", str(port),
                   "--log-level", "warning", target]
    log = tempfile.TemporaryFile(mode="w+")  # request logs: never a pipe nobody reads
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, text=True)
    process.log = log
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    log.seek(0)
    raise SystemExit(f"{server} did not start: {log.read()[-2000:]}")


def load(port: int, path: str, seconds: int, tokens: Path | None) -> tuple[float, float]:
    """wrk with 32 connections: (requests per second, p99 in ms)."""
    command = ["wrk", "-t", "2", "-c", "32", "-d", f"{seconds}s", "--latency"]
    env = dict(os.environ)
    if tokens is not None:
        command += ["-s", str(ROOT / "bench" / "wrk_tokens.lua")]
        env["TOKENS"] = str(tokens)
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{path}"], env=env,
                            capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors under load:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * factor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5, help="alternated runs; the best is compared")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url = database_url(args.database, workdir)
        tokens = workdir / "tokens.txt"
        prepare(url, args.registrations, tokens)
        env = {**os.environ, "WEBAPP_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": url,
               "PYTHONPATH": str(ROOT)}
        servers = ["gunicorn"] + (["granian"] if _has("granian") else [])
        print(f"{args.registrations} registrations on {args.database}; wrk, 32 connections, "
              f"{args.seconds} s each; servers: 2 workers x 4 threads")
        for server in servers:
            hello_runs, watch_runs = [], []
            ports = {"hello": free_port(), "watch": free_port()}
            hello = serve(server, "bench.hello_app:app", ports["hello"], env)
            watch = serve(server,
                          "webapp:create_app()" if server == "gunicorn" else "webapp:create_app",
                          ports["watch"], env)
            try:
                load(ports["hello"], "/hello", 2, None)
                load(ports["watch"], "/watch/x", 2, tokens)
                for _ in range(args.runs):  # alternated, so that both see the same machine
                    hello_runs.append(load(ports["hello"], "/hello", args.seconds, None))
                    watch_runs.append(load(ports["watch"], "/watch/x", args.seconds, tokens))
            finally:
                for process in (hello, watch):
                    process.terminate()
                    process.wait()
            (hello_rps, hello_p99), (watch_rps, watch_p99) = max(hello_runs), max(watch_runs)
            print(f"{server:9s} hello: {hello_rps:8.0f} req/s (p99 {hello_p99:6.1f} ms)   "
                  f"watch: {watch_rps:7.0f} req/s (p99 {watch_p99:6.1f} ms)   "
                  f"ratio {watch_rps / hello_rps:.2f}   (best of {args.runs} runs; all: "
                  f"hello {[round(r) for r, _ in hello_runs]}, "
                  f"watch {[round(r) for r, _ in watch_runs]})")
        target = 0.4 if args.database == "sqlite" else 0.2
        print(f"targets under gunicorn: ratio >= {target}, p99 < 50 ms")


def _has(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
