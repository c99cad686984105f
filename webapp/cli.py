"""Command-line interface: ``flask --app webapp events ...``."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask
from flask.cli import AppGroup

from webapp import clock
from webapp.extensions import db
from webapp.services.event_import import EventImportError, import_event, load_event_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

events_cli = AppGroup("events", help="Import and inspect events.")


@events_cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def import_command(files: tuple[str, ...]) -> None:
    """Create or update events from YAML or JSON FILES (all or nothing)."""
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
    """Load the example events, moved by whole weeks so their registration is open today."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        spec = load_event_file(path)
        shift = demo_shift(spec.starts_at, ZoneInfo(spec.timezone), days_ahead)
        event = import_event(spec, shift=shift)
        click.echo(f"demo {event.slug}: starts {event.starts_at.astimezone(event.zone):%A %Y-%m-%d %H:%M %Z}")
    db.session.commit()


def demo_shift(starts_at, zone: ZoneInfo, days_ahead: int) -> timedelta:
    """Whole weeks that put ``starts_at`` at least ``days_ahead`` days after today."""
    today = clock.now().astimezone(zone).date()
    gap = (today + timedelta(days=days_ahead) - starts_at.astimezone(zone).date()).days
    return timedelta(weeks=max(0, math.ceil(gap / 7)))


def register_commands(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    app.cli.add_command(events_cli)
