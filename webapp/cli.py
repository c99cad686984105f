"""Command-line interface: ``flask --app webapp events ...``."""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from webapp import clock, timefmt
from webapp.extensions import db

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

events_cli = AppGroup("events", help="Import and inspect events.")


@events_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(files: tuple[str, ...]) -> None:
    """Create or update events from YAML or JSON FILES (all or nothing)."""
    from webapp.services.event_import import EventImportError, import_event, load_event_file

    events = []
    for path in files:
        try:
            events.append(import_event(load_event_file(path)))
        except EventImportError as error:
            db.session.rollback()
            lines = str(error).splitlines()
            raise click.ClickException("\n".join(f"{path}: {line}" for line in lines)) from None
    db.session.commit()
    for event in events:
        click.echo(f"imported {event.slug}: {event.title} ({len(event.parts)} programme parts)")


@events_cli.command("demo")
@click.option("--days-ahead", default=9, show_default=True,
              help="The examples start at least this many days from today.")
def demo_command(days_ahead: int) -> None:
    """Load the example events, moved by whole weeks so their registration is open today
    (the events of one series by the same weeks, so they keep their order and gaps)."""
    from webapp.services.event_import import import_event, load_event_file

    specs = [load_event_file(path) for path in sorted(EXAMPLES.glob("*.yaml"))]
    first_of_series: dict[str, object] = {}
    for spec in specs:
        if spec.series is not None:
            known = first_of_series.get(spec.series.slug)
            if known is None or spec.starts_at < known.starts_at:
                first_of_series[spec.series.slug] = spec
    for spec in specs:
        first = first_of_series[spec.series.slug] if spec.series is not None else spec
        shift = demo_shift(first.starts_at, ZoneInfo(first.timezone), days_ahead)
        event = import_event(spec, shift=shift)
        click.echo(f"demo {event.slug}: "
                   f"starts {event.starts_at.astimezone(event.zone):%A %Y-%m-%d %H:%M %Z}")
    db.session.commit()


def demo_shift(starts_at, zone: ZoneInfo, days_ahead: int) -> timedelta:
    """Whole weeks that put ``starts_at`` at least ``days_ahead`` days after today."""
    today = clock.now().astimezone(zone).date()
    gap = (today + timedelta(days=days_ahead) - starts_at.astimezone(zone).date()).days
    return timedelta(weeks=max(0, math.ceil(gap / 7)))


privacy_cli = AppGroup("privacy", help="Personal data.")


@privacy_cli.command("purge")
def purge_command() -> None:
    """Anonymise registrations PRIVACY_RETENTION_DAYS after their event's recording expired."""
    from webapp.services.privacy import purge_personal_data

    purged = purge_personal_data()
    db.session.commit()
    click.echo(f"purged the personal data of {purged} registrations")


class _AppCommands(AppGroup):
    """The app's commands; ``flask db ...`` (Flask-Migrate, and so Alembic) is bound
    only when it is asked for, so the web and mail processes never load it."""

    def __init__(self, app: Flask) -> None:
        super().__init__()
        self.app = app

    def get_command(self, ctx: click.Context, name: str):
        if name == "db" and name not in self.commands:
            from webapp import init_migrations

            init_migrations(self.app)  # adds Flask-Migrate's "db" group
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), "db"})


def register_commands(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    app.cli = _AppCommands(app)
    app.cli.add_command(events_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(mail_cli)
    from webapp.cli_users import users_cli

    app.cli.add_command(users_cli)


mail_cli = AppGroup("mail", help="Send the outbox.")


@mail_cli.command("drain")
@click.option("--connections", type=click.IntRange(1, 32), default=None,
              help="Parallel SMTP connections (default MAIL_CONNECTIONS; 1 on SQLite).")
def drain_command(connections: int | None) -> None:
    """Enqueue the timed messages that are due, send everything due, then exit."""
    from webapp.mail.worker import drain

    app = current_app._get_current_object()
    run_at_niceness(app.config["MAIL_WORKER_NICE"])
    with single_worker_on_sqlite(app):
        stats = drain(app, _connections(app, connections))
    peak = _peak_memory_mb()
    click.echo(f"enqueued {stats.enqueued}, sent {stats.sent}, retry later {stats.retry}, "
               f"failed {stats.failed}, skipped {stats.skipped}; peak memory {peak} MB")


@mail_cli.command("work")
@click.option("--connections", type=click.IntRange(1, 32), default=None,
              help="Parallel SMTP connections (default MAIL_CONNECTIONS; 1 on SQLite).")
def work_command(connections: int | None) -> None:
    """Run the mail worker until SIGTERM or SIGINT (the message in hand is finished)."""
    import signal
    import threading

    from webapp.mail.worker import work

    app = current_app._get_current_object()
    niceness = run_at_niceness(app.config["MAIL_WORKER_NICE"])
    stop = threading.Event()

    def request_stop(signum, frame) -> None:
        click.echo(f"mail worker: {signal.Signals(signum).name}, "
                   "stopping after the message in hand")
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with single_worker_on_sqlite(app):
        click.echo(f"mail worker: running at nice {niceness}" + (
            "" if app.config.get("MAIL_SERVER") else " (no MAIL_SERVER: mail is kept locally)"))
        work(app, stop, _connections(app, connections))
    click.echo(f"mail worker: stopped; peak memory {_peak_memory_mb()} MB")


def run_at_niceness(wanted: int) -> int:
    """Lower this process's CPU priority to ``wanted`` (MAIL_WORKER_NICE) unless it
    already runs lower, and return the niceness it runs at. Sending mail is background
    work: on a shared machine the web app's requests get a CPU first. Call it in the
    main thread before the worker starts its threads: on Linux each thread has its own
    niceness, and a new thread inherits its creator's."""
    if not isinstance(wanted, int) or not 0 <= wanted <= 19:
        raise click.ClickException(f"MAIL_WORKER_NICE must be a whole number from 0 to 19, "
                                   f"not {wanted!r}")
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if wanted > current:
        os.setpriority(os.PRIO_PROCESS, 0, wanted)
    return max(wanted, current)


def _peak_memory_mb() -> int:
    """This process's peak resident memory (VmHWM; ru_maxrss survives exec from the parent)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _connections(app: Flask, requested: int | None) -> int:
    """Connections to use: one on SQLite (one writer), else as requested or configured."""
    if db.engine.dialect.name == "sqlite":
        return 1
    return requested or app.config["MAIL_CONNECTIONS"]


@contextmanager
def single_worker_on_sqlite(app: Flask):
    """On SQLite, one mail worker at a time (an exclusive lock beside the database file)."""
    import fcntl

    database = db.engine.url.database if db.engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.mail-worker.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                "another mail worker is running on this SQLite database; "
                "use PostgreSQL for several workers") from None
        yield


@events_cli.command("preview")
@click.argument("slug")
@click.option("--at", "at", required=True,
              help='Moment in the event\'s timezone, e.g. "2021-11-18 10:30".')
def preview_command(slug: str, at: str) -> None:
    """Print the watch page's state at a moment, and what it shows then."""
    import html
    import re
    from datetime import datetime

    from flask import render_template
    from sqlalchemy import select

    from webapp.models import Event
    from webapp.services.watch import watch_view

    event = db.session.scalar(select(Event).where(Event.slug == slug))
    if event is None:
        raise click.ClickException(f"no event with slug {slug!r}")
    try:
        local = datetime.fromisoformat(at)
    except ValueError:
        raise click.ClickException(
            f'--at: expected a date and time like "2021-11-18 10:30", got {at!r}') from None
    moment = local if local.tzinfo else local.replace(tzinfo=event.zone)
    view = watch_view(event, moment)
    click.echo(f"{slug} at {moment.astimezone(event.zone):%Y-%m-%d %H:%M %Z}: {view.state.value}")
    if view.state.value in {"expired", "over"}:
        click.echo("  410 Gone: " + ("the recording has expired" if view.state.value == "expired"
                                      else "the event is over and there is no recording"))
        return
    with current_app.test_request_context():
        fragment = render_template(
            "participant/_watch_state.html", event=event, view=view, token="TOKEN",
            countdown=(timefmt.countdown(view.next_part.starts_at, moment)
                       if view.state.value == "before" else None),
            player_url=event.stream_url, poll=current_app.config["WATCH_POLL_SECONDS"])
    text = html.unescape(re.sub(r"<[^>]+>", "\n", fragment))
    for line in (line.strip() for line in text.splitlines()):
        if line:
            click.echo(f"  {line}")
    if view.state.value == "live":
        click.echo(f"  player: {event.stream_url or '(no stream URL yet)'}")
