"""Benchmark: 10 000 stream-link emails through the outbox to a local SMTP sink.

Prints messages per second of the outbox, the time for 10 000 and the peak memory
of the worker processes; and, for information, a plain smtplib loop that sends the
same rendered messages over the same number of connections in the same run. The
outbox is measured as it runs in production: `flask mail work` workers are running
when the stream links fall due, and the time runs from that instant to the last
message sent. A cold `flask mail drain` (as from cron) is measured too, for reference:
it includes starting Python and the app (about 0.9 s per process here).

    python bench/mail_throughput.py [--messages 10000] [--processes 4] [--connections 1] [--runs 5]
                                    [--nice N]

The plain loop and the outbox are run in turn, --runs times, and the best of each is
printed: on this machine the same run can take a third longer from one minute to the
next (the host's load), and that hits either side by chance. Every run is printed,
with the time the SMTP sink ran and waited for a CPU: the outbox's workers and
PostgreSQL share this machine's two cores with the sink, which then waits for a CPU,
or for a worker (they need about three times the plain client's CPU per email). The
workers run at their production niceness (MAIL_WORKER_NICE, 10: background work
yields the CPU to the web app, and here to the sink); --nice 0 runs them at the
sink's priority.

Needs PostgreSQL (several workers claim with SKIP LOCKED): BENCH_DATABASE_URL,
default postgresql+psycopg://postgres@127.0.0.1:5432/test, in a schema of its own.
Targets (2-core machine): 10 000 messages in under 20 s, peak worker memory under
80 MB. The ratio to the plain loop is printed as information, no longer a target.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, select, text, update  # noqa: E402

SCHEMA = "bench_mail"
BASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATABASE_URL = f"{BASE_URL}{'&' if '?' in BASE_URL else '?'}options=-csearch_path%3D{SCHEMA}"
SECRET = "bench-secret"
HEAD_START = 1.0  # seconds between queueing the messages again and their falling due


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready"
    return sink


def sink_times(pid: int) -> tuple[float, float]:
    """(seconds the sink ran, seconds it was ready but waited for a CPU) so far, from
    Linux's per-thread scheduler statistics; zeros where they are not available."""
    ran = waited = 0.0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stats:
                on_cpu, on_queue, _slices = stats.read().split()
            ran, waited = ran + int(on_cpu) / 1e9, waited + int(on_queue) / 1e9
    except (OSError, ValueError):
        return 0.0, 0.0
    return ran, waited


def sink_use(start: tuple[float, float], end: tuple[float, float]) -> str:
    """What the sink did between two ``sink_times`` readings."""
    return f"sink ran {end[0] - start[0]:.2f} s, waited {end[1] - start[1]:.2f} s for a CPU"


def make_app():
    os.environ.update(WEBAPP_ENV="development", DATABASE_URL=DATABASE_URL, SECRET_KEY=SECRET,
                      BASE_URL="https://events.example.org")
    from config import DevelopmentConfig
    from webapp import create_app

    class Config(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = DATABASE_URL
        SECRET_KEY = SECRET
        BASE_URL = "https://events.example.org"

    return create_app(Config)


def prepare(app, messages: int) -> None:
    """A fresh schema with the reference event, ``messages`` participants and their stream links."""
    engine = create_engine(BASE_URL)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    from webapp.extensions import db
    from webapp.mail.outbox import enqueue_for_registrations
    from webapp.models import MailKind, Registration, RegistrationKind
    from webapp.services.event_import import import_event, load_event_file

    with app.app_context():
        db.create_all()
        example = ROOT / "examples" / "nordic-seminar-trafficking-2021.yaml"
        event = import_event(load_event_file(example))
        now = datetime.now(timezone.utc)
        db.session.execute(insert(Registration), [
            {"event_id": event.id, "email": f"participant{n}@example.org",
             "name": f"Participant {n}", "organisation": "", "kind": RegistrationKind.WEB,
             "status": "registered",
             "consent_at": now, "token_version": 1, "created_at": now}
            for n in range(messages)
        ])
        registrations = select(Registration.id, Registration.event_id, Registration.token_version)
        enqueue_for_registrations(MailKind.STREAM_LINK, "stream-link", registrations)
        db.session.commit()


def rendered(app) -> list[tuple[str, list[str], bytes]]:
    """Every queued message, rendered once, as (from, to, bytes)."""
    from webapp.extensions import db
    from webapp.mail.batch import load_rows
    from webapp.mail.message import build_message
    from webapp.mail.render import mail_context
    from webapp.models import OutboxMessage

    with mail_context(app):
        ids = db.session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        out = []
        for start in range(0, len(ids), 500):
            for row in load_rows(ids[start:start + 500]):
                email = build_message(row)
                message = email.as_mime()
                data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # as sent
                out.append((email.sender, email.recipients, data))
            db.session.expunge_all()
        db.session.remove()
    return out


def plain_smtplib(messages, port: int, connections: int) -> float:
    """Seconds to send ``messages`` with smtplib over ``connections`` reused connections."""
    shares = [messages[n::connections] for n in range(connections)]

    def send(share) -> None:
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for sender, recipients, data in share:
                smtp.sendmail(sender, recipients, data)

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def requeue(app, due_at: datetime) -> None:
    """Every message queued again, due at ``due_at``, and the old row versions this
    leaves behind vacuumed away. In production each row is written once before it is
    sent, and autovacuum (off on this machine's PostgreSQL) clears what sending leaves."""
    from webapp.extensions import db
    from webapp.models import MailStatus, OutboxMessage

    with app.app_context():
        db.session.execute(update(OutboxMessage).values(
            status=MailStatus.QUEUED, attempts=0, due_at=due_at, sent_at=None,
            claimed_by=None, claimed_until=None))
        db.session.commit()
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(f"VACUUM ANALYZE {OutboxMessage.__tablename__}"))


def sent_count(app) -> int:
    from webapp.extensions import db
    from webapp.models import MailStatus, OutboxMessage

    with app.app_context():
        count = db.session.scalar(
            select(db.func.count()).where(OutboxMessage.status == MailStatus.SENT))
        db.session.remove()
    return count


def worker_env(port: int) -> dict:
    return {**os.environ, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port),
            "MAIL_BATCH_SIZE": "100", "MAIL_POLL_SECONDS": "0.05"}


def peak_mb(output: str) -> int:
    """The peak memory a worker printed."""
    return int(output.rsplit("peak memory ", 1)[1].split()[0])


def outbox_work(app, port: int, processes: int, connections: int, messages: int):
    """Seconds from the instant the messages fall due to the last one sent, with
    ``processes`` × ``flask mail work`` already running; their peak memory."""
    from webapp.extensions import db
    from webapp.models import OutboxMessage

    requeue(app, datetime.now(timezone.utc) + timedelta(days=1))  # not due while workers start
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "mail", "work",
                                 "--connections", str(connections)], cwd=ROOT, env=worker_env(port),
                                stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        for worker in workers:
            assert worker.stdout.readline().startswith("mail worker: running")
        time.sleep(0.5)  # the first idle pass is over
        # The rows fall due a moment after they are written: rewriting 10 000 rows takes
        # the bench itself 0.2-0.35 s here, which is not the workers' time.
        due_at = datetime.now(timezone.utc) + timedelta(seconds=HEAD_START)
        requeue(app, due_at)
        if datetime.now(timezone.utc) >= due_at:
            raise SystemExit(f"queueing the messages took longer than {HEAD_START} s; "
                             "raise HEAD_START")
        deadline = time.monotonic() + 120
        while sent_count(app) < messages and time.monotonic() < deadline:
            time.sleep(0.5)  # the end is read from the rows; polling less disturbs less
    finally:
        for worker in workers:
            worker.terminate()
        outputs = [worker.communicate()[0].strip() for worker in workers]
    with app.app_context():
        last = db.session.scalar(select(db.func.max(OutboxMessage.sent_at)))
    if last.tzinfo is None:  # SQLite keeps UTC without the zone
        last = last.replace(tzinfo=timezone.utc)
    return (last - due_at).total_seconds(), sent_count(app), [peak_mb(o) for o in outputs]


def outbox_drain(app, port: int, processes: int, connections: int):
    """Seconds for ``processes`` × ``flask mail drain``, started cold, to send the outbox."""
    requeue(app, datetime.now(timezone.utc) - timedelta(seconds=1))
    started = time.perf_counter()
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "webapp", "mail", "drain",
                                 "--connections", str(connections)], cwd=ROOT, env=worker_env(port),
                                stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    outputs = [w.communicate()[0].strip() for w in workers]
    elapsed = time.perf_counter() - started
    if any(w.returncode for w in workers):
        raise SystemExit(f"a worker failed: {outputs}")
    return elapsed, sent_count(app), [peak_mb(o) for o in outputs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--connections", type=int, default=1, help="per process (threads: "
                        "each adds about 3 MB to a worker)")
    parser.add_argument("--runs", type=int, default=5, help="alternated runs of the plain loop "
                        "and the outbox; the best of each is printed")
    parser.add_argument("--nice", type=int, default=None, help="the workers' MAIL_WORKER_NICE "
                        "(default: the app's, 10)")
    args = parser.parse_args()
    if args.nice is not None:
        os.environ["MAIL_WORKER_NICE"] = str(args.nice)  # the workers inherit the environment
    app = make_app()
    prepare(app, args.messages)
    port = free_port()
    sink = start_sink(port)
    total_connections = args.processes * args.connections
    n = args.messages
    print(f"messages: {n}, connections: {total_connections} ({args.processes} processes × "
          f"{args.connections}), {args.runs} alternated runs; workers at nice "
          f"{app.config['MAIL_WORKER_NICE']}, the plain loop and the sink at {os.nice(0)}",
          flush=True)
    baselines, runs, peaks = [], [], []
    try:
        messages = rendered(app)
        for number in range(1, args.runs + 1):
            start = sink_times(sink.pid)
            baselines.append(plain_smtplib(messages, port, total_connections))
            middle = sink_times(sink.pid)
            ours, sent, run_peaks = outbox_work(app, port, args.processes, args.connections, n)
            end = sink_times(sink.pid)
            runs.append((ours, sent))
            peaks += run_peaks
            print(f"run {number}: plain smtplib loop {n / baselines[-1]:5.0f} msg/s "
                  f"({baselines[-1]:.2f} s); outbox, mail work running {sent / ours:5.0f} msg/s "
                  f"({ours:.2f} s, {sent} sent); "
                  f"ratio {baselines[-1] / ours:.2f}\n"
                  f"       during the plain loop {sink_use(start, middle)}; during the outbox "
                  f"{sink_use(middle, end)}", flush=True)
        cold, cold_sent, cold_peaks = outbox_drain(app, port, args.processes, args.connections)
    finally:
        sink.stdin.close()
        sink.wait()
    baseline, (ours, sent) = min(baselines), min(runs)
    print(f"plain smtplib loop (best):   {n / baseline:6.0f} msg/s  ({baseline:.2f} s)")
    print(f"outbox, mail work (best):    {sent / ours:6.0f} msg/s  ({ours:.2f} s, {sent} sent)")
    print(f"outbox, mail drain cold:     {cold_sent / cold:6.0f} msg/s  ({cold:.2f} s with process "
          f"start, {cold_sent} sent)")
    slowest = max(r[0] * 10_000 / max(r[1], 1) for r in runs)
    print(f"10 000 messages, slowest run: {slowest:.2f} s (target < 20 s: "
          f"{'yes' if slowest < 20 else 'no'})")
    print(f"ratio to the plain loop, best to best: {baseline / ours:.2f} (information; "
          f"cold drain {baseline / cold:.2f})")
    print(f"peak worker memory (largest worker process): {max(peaks)} MB (target < 80 MB; "
          f"cold drain {max(cold_peaks)} MB)")


if __name__ == "__main__":
    main()
