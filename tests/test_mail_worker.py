"""The mail worker as a real process: killed mid-batch, stopped, three at once, niced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, insert, select

from tests.conftest import ROOT
from webapp.extensions import db
from webapp.mail.outbox import enqueue_for_registrations
from webapp.models import MailKind, MailStatus, OutboxMessage, Registration, RegistrationKind

NOW = datetime(2021, 11, 10, 10, 0, tzinfo=timezone.utc)


def add_participants(event, count: int) -> None:
    """``count`` web registrations, each with a stream-link email queued."""
    db.session.execute(insert(Registration), [
        {"event_id": event.id, "email": f"p{n}@example.org", "name": f"P {n}", "organisation": "",
         "kind": RegistrationKind.WEB, "status": "registered", "consent_at": NOW,
         "token_version": 1, "created_at": NOW}
        for n in range(count)
    ])
    enqueue_for_registrations(
        MailKind.STREAM_LINK, "stream-link",
        select(Registration.id, Registration.event_id, Registration.token_version))
    db.session.commit()


def start_worker(app, smtp, command: str = "work", **settings) -> subprocess.Popen:
    """``flask mail work`` (or ``drain``) in its own process, on the test database."""
    env = {
        **os.environ,
        "WEBAPP_ENV": "development",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BASE_URL": "http://localhost",
        "INSTANCE_PATH": app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[0].removeprefix("sqlite:///")
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") else "/tmp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp.port),
        "MAIL_POLL_SECONDS": "0.2",
        **{key: str(value) for key, value in settings.items()},
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "webapp", "mail", command],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def wait_for(condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``condition`` until true, or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def statuses() -> Counter:
    """How many outbox rows are in each status, committed now."""
    db.session.rollback()
    return Counter(dict(db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))


def test_a_worker_killed_mid_batch_loses_nothing_and_repeats_at_most_that_batch(
        app, smtp, reference_event):
    add_participants(reference_event, 60)
    smtp.behaviour.delay = 0.02
    worker = start_worker(app, smtp, MAIL_BATCH_SIZE=10, MAIL_LEASE_SECONDS=2)
    # Kill it when it is visibly inside a batch: some of the batch out, not all.
    wait_for(lambda: len(smtp.messages) >= 15 and 3 <= len(smtp.messages) % 10 <= 7,
             what="the middle of a batch")
    worker.kill()
    worker.communicate()
    claimed = statuses()[MailStatus.SENDING]
    # The batch being sent, and the next one claimed and rendered meanwhile.
    assert 0 < claimed <= 20, "the worker died holding its batches"
    restarted = start_worker(app, smtp, MAIL_BATCH_SIZE=10, MAIL_LEASE_SECONDS=2)
    wait_for(lambda: statuses()[MailStatus.SENT] == 60, what="every row sent")
    restarted.send_signal(signal.SIGTERM)
    restarted.communicate(timeout=30)
    assert restarted.returncode == 0
    received = Counter(m["To"] for m in smtp.messages)
    assert set(received) == {f"p{n}@example.org" for n in range(60)}, "nobody is missing"
    twice = sum(count - 1 for count in received.values())
    assert twice <= 10, "only the batch in flight can go out twice"


def test_sigterm_finishes_the_message_in_hand_and_releases_the_rest(app, smtp, reference_event):
    add_participants(reference_event, 20)
    smtp.behaviour.delay = 0.3
    worker = start_worker(app, smtp, MAIL_BATCH_SIZE=20)
    wait_for(lambda: len(smtp.messages) >= 1, what="the first message")
    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    assert "SIGTERM" in output and "stopped" in output
    counts = statuses()
    assert counts[MailStatus.SENDING] == 0, "nothing is left claimed"
    assert counts[MailStatus.SENT] == len(smtp.messages) < 20
    assert counts[MailStatus.QUEUED] == 20 - counts[MailStatus.SENT]


def test_a_second_worker_on_sqlite_is_refused(app, smtp):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL runs many workers")
    first = start_worker(app, smtp)
    try:
        wait_for(lambda: os.path.exists(
            app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///") + ".mail-worker.lock"),
            what="the first worker's lock")
        time.sleep(1)
        second = start_worker(app, smtp, command="drain")
        output, _ = second.communicate(timeout=30)
        assert second.returncode != 0 and "another mail worker is running" in output
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)


def test_three_workers_on_postgresql_send_each_of_2000_messages_exactly_once(
        app, smtp, reference_event):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("several workers need PostgreSQL (SKIP LOCKED)")
    add_participants(reference_event, 2000)
    workers = [start_worker(app, smtp, command="drain", MAIL_BATCH_SIZE=50) for _ in range(3)]
    outputs = [w.communicate(timeout=300)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert statuses()[MailStatus.SENT] == 2000
    ids = Counter(m["Message-ID"] for m in smtp.messages)
    assert len(smtp.messages) == 2000 and len(ids) == 2000 and max(ids.values()) == 1
    sent_by = [int(out.split("sent ")[1].split(",")[0]) for out in outputs]
    assert sum(sent_by) == 2000 and sum(1 for n in sent_by if n > 0) >= 2, sent_by


def niceness(pid: int) -> int:
    """A process's niceness, as Linux reports it (field 19 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[16])


def test_the_worker_runs_at_the_configured_niceness(app, smtp):
    worker = start_worker(app, smtp, MAIL_WORKER_NICE=7)
    try:
        assert worker.stdout.readline().startswith("mail worker: running at nice 7")
        assert niceness(worker.pid) == 7
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=30)


def test_a_worker_started_nicer_stays_as_nice():
    script = ("import os; os.nice(12); from webapp.cli import run_at_niceness; "
              "print(run_at_niceness(7), os.getpriority(os.PRIO_PROCESS, 0))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.stdout.split() == ["12", "12"], done.stderr


@pytest.mark.parametrize("value", [20, -1, "10"])
def test_a_niceness_out_of_range_is_refused_by_name(app, runner, value):
    app.config["MAIL_WORKER_NICE"] = value
    result = runner.invoke(args=["mail", "drain"])
    assert result.exit_code == 1
    assert f"MAIL_WORKER_NICE must be a whole number from 0 to 19, not {value!r}" in result.output


def test_a_mail_worker_builds_a_small_app_without_the_web_pages(app):
    """Several worker processes run at once: each loads no sign-in, no coordinators'
    pages, no metrics (its emails link only to the public and personal pages)."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    code = ("import sys; from webapp import create_app; a = create_app(worker=True); "
            "print(sorted(a.blueprints)); print('flask_security' in sys.modules, "
            "'webapp.manage' in sys.modules, 'pydantic' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    blueprints, loaded = result.stdout.splitlines()
    assert blueprints == "['errors', 'participant', 'public']"
    assert loaded == "True False False", "models need Flask-Security's mixins; nothing else"
