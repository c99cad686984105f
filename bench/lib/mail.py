"""The mail worker: 10 000 stream-link emails through the outbox to a local SMTP sink
(PostgreSQL only: several workers claim with SKIP LOCKED).

The outbox is measured as it runs in production: ``flask --app webapp mail work``
workers (4 processes, their production niceness MAIL_WORKER_NICE=10) are running when
the stream links fall due, and the time runs from that instant to the last message
sent. For reference, a plain smtplib loop sends the same rendered messages over the
same number of connections to the same sink in the same run (the sink's own speed on
this machine at this minute); the two alternate. Every run prints how long the sink
ran and how long it waited for a CPU: on two cores the workers and PostgreSQL share
the CPUs with it. Between runs the rows are vacuumed, as autovacuum would in
production (this machine's PostgreSQL runs without it). The workers' peak memory is
what each prints when it stops (VmHWM).
"""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import insert, select, text, update

from bench.lib.env import BENCH, ROOT, flask_command

HEAD_START = 1.0  # seconds between queueing the messages again and their falling due


@dataclass
class MailRun:
    seconds: float  # from falling due to the last message sent
    sent: int
    plain_seconds: float  # the plain smtplib loop, same messages and connections
    sink: str  # what the sink did meanwhile

    @property
    def per_second(self) -> float:
        return self.sent / self.seconds


@dataclass
class MailResult:
    messages: int
    processes: int
    nice: int
    runs: list[MailRun] = field(default_factory=list)
    peaks_mb: list[int] = field(default_factory=list)


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, str(BENCH / "smtp_sink.py"), str(port)],
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


def prepare(app, messages: int) -> None:
    """The reference event, ``messages`` participants and their stream links, queued."""
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
             "status": "registered", "consent_at": now, "token_version": 1,
             "created_at": now}
            for n in range(messages)
        ])
        registrations = select(Registration.id, Registration.event_id, Registration.token_version)
        enqueue_for_registrations(MailKind.STREAM_LINK, "stream-link", registrations)
        db.session.commit()


def rendered(app) -> list[tuple[str, list[str], bytes]]:
    """Every queued message, rendered once, as (from, to, bytes): the plain loop's."""
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


def peak_mb(output: str) -> int:
    """The peak memory a worker printed when it stopped."""
    if "peak memory " not in output:
        raise SystemExit(f"a mail worker printed no peak memory:\n{output}")
    return int(output.rsplit("peak memory ", 1)[1].split()[0])


def outbox_work(app, env: dict, processes: int, messages: int) -> tuple[float, int, list[int]]:
    """Seconds from the instant the messages fall due to the last one sent, with
    ``processes`` x ``flask --app webapp mail work`` already running; their peaks."""
    from webapp.extensions import db
    from webapp.models import OutboxMessage

    requeue(app, datetime.now(timezone.utc) + timedelta(days=1))  # not due while workers start
    workers = [subprocess.Popen([*flask_command(), "--app", "webapp", "mail", "work"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
               for _ in range(processes)]
    try:
        for worker in workers:
            line = worker.stdout.readline()
            if not line.startswith("mail worker: running"):
                raise SystemExit(f"a mail worker did not start: {line}")
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
        db.session.remove()
    if last is None:
        raise SystemExit(f"the mail workers sent nothing:\n{outputs}")
    return (last - due_at).total_seconds(), sent_count(app), [peak_mb(o) for o in outputs]


def measure(app, env: dict, port: int, messages: int, processes: int, runs: int,
            say) -> MailResult:
    """``runs`` alternated runs of the plain loop and the outbox (``say`` prints each)."""
    result = MailResult(messages, processes, app.config["MAIL_WORKER_NICE"])
    env = {**env, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_USE_TLS": "false",
           "MAIL_BATCH_SIZE": "100", "MAIL_POLL_SECONDS": "0.05"}
    sink = start_sink(port)
    try:
        messages_rendered = rendered(app)
        for number in range(1, runs + 1):
            start = sink_times(sink.pid)
            plain = plain_smtplib(messages_rendered, port, processes)
            middle = sink_times(sink.pid)
            seconds, sent, peaks = outbox_work(app, env, processes, messages)
            end = sink_times(sink.pid)
            sink_use = (f"sink ran {middle[0] - start[0]:.2f} s, waited {middle[1] - start[1]:.2f}"
                        f" s for a CPU during the plain loop; {end[0] - middle[0]:.2f} s and "
                        f"{end[1] - middle[1]:.2f} s during the outbox")
            run = MailRun(seconds, sent, plain, sink_use)
            result.runs.append(run)
            result.peaks_mb += peaks
            say(f"  mail run {number}: outbox {run.per_second:6.0f} msg/s ({seconds:.2f} s, "
                f"{sent} sent); plain smtplib loop {messages / plain:6.0f} msg/s "
                f"({plain:.2f} s); worker peaks {peaks} MB\n    {sink_use}")
            if sent < messages:
                raise SystemExit(f"the mail workers sent {sent} of {messages} in 120 s")
    finally:
        sink.stdin.close()
        sink.wait()
    return result
