"""The mail worker's loops: ``flask mail drain`` (send what is due, then exit) and
``flask mail work`` (drain, wait a poll interval, again, until stopped).

Each connection is a loop of batches (batch.py): claim, render, send over one
transport (smtp.py), record. Sending is mostly waiting for the SMTP server and
rendering is mostly CPU, so a batch is sent by a sender thread while the loop
claims and renders the next.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from flask import Flask, current_app

from webapp.extensions import db
from webapp.mail.batch import BatchResult, PreparedBatch, claim_batch, prepare_batch, record
from webapp.mail.render import mail_context
from webapp.mail.schedule import enqueue_due_messages
from webapp.mail.smtp import (
    ConnectionLost,
    PermanentFailure,
    TemporaryFailure,
    Transport,
    make_transport,
)

log = logging.getLogger(__name__)


def worker_name() -> str:
    """host:pid:thread, unique per worker thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


class Pacer:
    """At most ``rate`` sends per second across the threads that share it (0: no cap)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_at = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> None:
        """Sleep until this send is allowed."""
        if not self.interval:
            return
        with self.lock:
            now = time.monotonic()
            at = max(self.next_at, now)
            self.next_at = at + self.interval
        if at > now:
            time.sleep(at - now)


def send_batch(batch: PreparedBatch, transport: Transport, stop: threading.Event | None = None,
               pace: Pacer | None = None) -> BatchResult:
    """Send a prepared batch over one transport; the outcome is written by ``record``."""
    result = batch.result
    for index, (row_id, message) in enumerate(batch.messages):
        if stop is not None and stop.is_set():
            result.released.extend(i for i, _ in batch.messages[index:])
            break
        try:
            if pace is not None:
                pace.wait()
            transport.send(message)
        except ConnectionLost as error:
            result.retry.extend((i, str(error)) for i, _ in batch.messages[index:])
            break
        except TemporaryFailure as error:
            result.retry.append((row_id, str(error)))
        except PermanentFailure as error:
            result.failed.append((row_id, str(error)))
        else:
            result.sent.append((row_id, message["Message-ID"]))
    return result


@dataclass
class DrainStats:
    """Totals of a drain or work run."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    enqueued: int = 0

    def add(self, result: BatchResult) -> None:
        """Add one batch."""
        self.sent += len(result.sent)
        self.retry += len(result.retry)
        self.failed += len(result.failed)
        self.skipped += len(result.skipped)


def deliver_until_empty(stop: threading.Event | None = None,
                        pace: Pacer | None = None) -> DrainStats:
    """Claim and send batches until nothing is due (or ``stop`` is set).

    One batch is sent by a sender thread while this one claims and renders the
    next: at most one batch is in flight and one more is claimed, as before a crash.
    """
    stats = DrainStats()
    worker = worker_name()
    size = current_app.config["MAIL_BATCH_SIZE"]
    transport = make_transport()
    in_flight: Future[BatchResult] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="smtp") as sender:
        try:
            while True:
                stopping = stop is not None and stop.is_set()
                ids = [] if stopping else claim_batch(worker, size)
                batch = prepare_batch(ids) if ids else None
                if in_flight is not None:
                    result = in_flight.result()
                    record(result, worker, transport.name)
                    stats.add(result)
                    in_flight = None
                if batch is None:
                    break
                in_flight = sender.submit(send_batch, batch, transport, stop, pace)
        finally:
            if in_flight is not None:  # an error in this thread: settle what was sent
                record(in_flight.result(), worker, transport.name)
            transport.close()
            db.session.remove()
    return stats


def run_timed_jobs() -> int:
    """Enqueue due timed messages and commit."""
    added = enqueue_due_messages()
    db.session.commit()
    return added


def drain(app: Flask, connections: int = 1, stop: threading.Event | None = None) -> DrainStats:
    """Enqueue what is due, then send everything due over ``connections`` connections."""
    with app.app_context():
        enqueued = run_timed_jobs()
        db.session.remove()
    pace = Pacer(app.config["MAIL_RATE_PER_SECOND"])
    results: list[DrainStats] = []

    def one() -> None:
        with mail_context(app):
            results.append(deliver_until_empty(stop, pace))

    if connections == 1:
        one()  # no thread needed
    else:
        threads = [threading.Thread(target=one, name=f"mail-{n}") for n in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    total = DrainStats(enqueued=enqueued)
    for stats in results:
        total.sent += stats.sent
        total.retry += stats.retry
        total.failed += stats.failed
        total.skipped += stats.skipped
    return total


def work(app: Flask, stop: threading.Event, connections: int = 1) -> None:
    """Run until ``stop``: timed jobs, then drain, then wait a poll interval."""
    poll = app.config["MAIL_POLL_SECONDS"]
    while not stop.is_set():
        try:
            stats = drain(app, connections, stop)
        except Exception:  # a database or template error must not kill the worker
            log.exception("mail worker pass failed; retrying after the poll interval")
            stats = DrainStats()
        if stats.sent or stats.failed or stats.retry:
            log.info("mail: sent %d, retry %d, failed %d", stats.sent, stats.retry, stats.failed)
        stop.wait(poll)
