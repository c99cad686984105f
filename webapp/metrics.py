"""Prometheus metrics at /metrics (prometheus_client), one scrape per app server.

Kept as the requests go (cheap: one perf_counter before, one Histogram.observe after):

- ``webinar_desk_http_request_duration_seconds{endpoint,method,status}``: a histogram of
  request times; its ``_count`` is the request count. Labelled by endpoint name (never
  the path: it holds tokens), method (the usual ones, else ``other``) and status class.
- ``webinar_desk_signups_total``: web sign-ups, counted when their transaction commits.

Read from the database at scrape time (the same on every app server; take ``max``):

- ``webinar_desk_outbox_messages{status}`` (queued, sending, sent, failed, skipped) and
  ``webinar_desk_outbox_oldest_due_seconds`` (how long the oldest queued message that
  is due has waited; 0 when none is), in one query;
- ``webinar_desk_watch_viewers``: registrations with an attendance row in this minute
  or the one before (the watch page records one per participant and minute).

Under gunicorn the workers are processes: with PROMETHEUS_MULTIPROC_DIR set, each keeps
its values in files there and a scrape adds them up (deploy/gunicorn.conf.py empties the
folder at start and marks exited workers dead). Access: METRICS_TOKEN (``Authorization:
Bearer``) and/or METRICS_ALLOWED_ADDRESSES; every one set must match, and with neither
set (or no match) /metrics answers 404.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from datetime import timedelta
from functools import lru_cache
from time import perf_counter

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import case, distinct, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from webapp import clock
from webapp.extensions import db

bp = Blueprint("metrics", __name__)

REQUESTS = Histogram("webinar_desk_http_request_duration_seconds",
                     "Request time by endpoint, method and status class.",
                     ("endpoint", "method", "status"))
SIGNUPS = Counter("webinar_desk_signups", "Web sign-ups (committed).")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_SIGNUPS_KEY = "webapp.metrics.signups"


# --- as the requests go -------------------------------------------------------------


def start_timer() -> None:
    """First hook of every request."""
    g.metrics_started = perf_counter()


def observe(response: Response) -> Response:
    """Count the request and its time."""
    started = g.get("metrics_started")
    if started is not None:
        _series(request.endpoint or "unmatched", request.method,
                response.status_code // 100).observe(perf_counter() - started)
    return response


@lru_cache(maxsize=2048)
def _series(endpoint: str, method: str, status_class: int):
    """The histogram's child for these labels (a few hundred at most: methods capped)."""
    return REQUESTS.labels(endpoint, method if method in _METHODS else "other",
                           f"{status_class}xx")


def count_signup() -> None:
    """One web sign-up, counted when the transaction that made it commits."""
    info = db.session.info
    info[_SIGNUPS_KEY] = info.get(_SIGNUPS_KEY, 0) + 1


@sa_event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    signed_up = session.info.pop(_SIGNUPS_KEY, 0)
    if signed_up:
        SIGNUPS.inc(signed_up)


@sa_event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_SIGNUPS_KEY, None)


# --- at scrape time -----------------------------------------------------------------


class DatabaseMetrics:
    """The outbox and the watch page's viewers, read when Prometheus asks."""

    def describe(self):
        return []  # registering must not query

    def collect(self):
        from webapp.models import Attendance, MailStatus, OutboxMessage, ViewMode

        now = clock.now()
        rows = db.session.execute(
            select(OutboxMessage.status, func.count(),
                   func.min(case((OutboxMessage.due_at <= now, OutboxMessage.due_at))))
            .group_by(OutboxMessage.status)).all()
        messages = GaugeMetricFamily("webinar_desk_outbox_messages",
                                     "Outbox messages by status.", labels=["status"])
        counts = {status: (count, oldest) for status, count, oldest in rows}
        for status in MailStatus:
            messages.add_metric([status.value], counts.get(status, (0, None))[0])
        yield messages
        oldest = counts.get(MailStatus.QUEUED, (0, None))[1]
        yield GaugeMetricFamily("webinar_desk_outbox_oldest_due_seconds",
                                "How long the oldest due queued message has waited.",
                                value=(now - oldest).total_seconds() if oldest else 0)
        since = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
        viewers = db.session.scalar(select(func.count(distinct(Attendance.registration_id)))
                                    .where(Attendance.minute >= since,
                                           Attendance.mode != ViewMode.ON_SITE))
        yield GaugeMetricFamily("webinar_desk_watch_viewers",
                                "Registrations on the watch page this minute or the last.",
                                value=viewers or 0)


class _ThisProcess:
    """Without PROMETHEUS_MULTIPROC_DIR (one process): this process's own metrics."""

    def describe(self):
        return []

    def collect(self):
        return REGISTRY.collect()


def scrape_registry() -> CollectorRegistry:
    """What one scrape reports: every worker's metrics, then the database's."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseMetrics())
    return registry


def allowed() -> bool:
    """METRICS_TOKEN and METRICS_ALLOWED_ADDRESSES: every one set must match."""
    token = current_app.config["METRICS_TOKEN"]
    networks = current_app.extensions["metrics_networks"]
    if not token and not networks:
        return False
    if token and not hmac.compare_digest(request.headers.get("Authorization", "").encode(),
                                         f"Bearer {token}".encode()):
        return False
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        return any(address in network for network in networks)
    return True


@bp.get("/metrics")
def metrics():
    """Prometheus's text format, for an allowed scraper only."""
    if not allowed():
        abort(404)
    from prometheus_client import generate_latest

    body = generate_latest(scrape_registry())
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def parse_networks(values: list[str]) -> tuple:
    """METRICS_ALLOWED_ADDRESSES as networks (a single address is its own /32 or /128)."""
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as error:
        raise RuntimeError(f"METRICS_ALLOWED_ADDRESSES: {error}") from None


def init_app(app: Flask) -> None:
    """Time every request (the timer as the very first hook) and serve /metrics."""
    app.extensions["metrics_networks"] = parse_networks(app.config["METRICS_ALLOWED_ADDRESSES"])
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request(observe)
    app.register_blueprint(bp)
