"""``flask --app webapp users ...``: coordinators' accounts from the command line."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from webapp.db import run as run_unit
from webapp.extensions import db

users_cli = AppGroup("users", help="Coordinators' accounts.")

DEMO_EMAIL = "demo-coordinator@example.org"


def _new_password() -> str:
    """A password to print once (the person changes it after signing in)."""
    return secrets.token_urlsafe(12)


@users_cli.command("create")
@click.argument("email")
@click.option("--admin", is_flag=True, help="An admin (every event, and the users).")
def create_command(email: str, admin: bool) -> None:
    """Create an account for EMAIL and print its first password."""
    from webapp.services.users import UserError, create_user

    password = _new_password()
    try:
        user = run_unit(lambda: create_user(email, admin=admin, password=password))
    except UserError as error:
        raise click.ClickException(error.message) from None
    role = "admin" if admin else "coordinator"
    click.echo(f"created {role} {user.email}; password: {password}")
    click.echo("Sign in at /manage/login, then change the password and set up two factors.")


@users_cli.command("list")
def list_command() -> None:
    """Every account: address, role, state, second factor, events managed."""
    from webapp.models import EventAccess, User

    counts = dict(db.session.execute(select(EventAccess.user_id, func.count(EventAccess.id))
                                     .group_by(EventAccess.user_id)).all())
    for user in db.session.scalars(select(User).order_by(User.email)):
        events = "all events" if user.is_admin else f"{counts.get(user.id, 0)} events"
        click.echo(f"{user.email}\t{'admin' if user.is_admin else 'coordinator'}\t"
                   f"{'active' if user.active else 'disabled'}\t"
                   f"{'two factors' if user.tf_primary_method else 'password only'}\t{events}")


@users_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """EMAIL can no longer sign in; their sessions end."""
    _set_active(email, False)
    click.echo(f"disabled {email.strip().lower()}")


@users_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """EMAIL can sign in again."""
    _set_active(email, True)
    click.echo(f"enabled {email.strip().lower()}")


def _set_active(email: str, active: bool) -> None:
    from webapp.services.users import find_user, set_active

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"no account for {email!r} (see: flask users list)")
    run_unit(lambda: set_active(user, active))


@users_cli.command("demo")
def demo_command() -> None:
    """Development only: the demo admin, with a new password printed."""
    from webapp.services.users import create_user, find_user

    if not current_app.config.get("DEMO_ACCOUNT_ALLOWED"):
        raise click.ClickException("the demo account exists in development only")
    password = _new_password()

    def make() -> None:
        user = find_user(DEMO_EMAIL)
        if user is None:
            create_user(DEMO_EMAIL, admin=True, password=password)
        else:
            from flask_security import hash_password

            user.password, user.active = hash_password(password), True
    run_unit(make)
    click.echo(f"Coordinators: http://127.0.0.1:5000/manage/ — sign in as {DEMO_EMAIL}, "
               f"password {password}")
