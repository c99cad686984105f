"""Webinar Desk: registration for seminars that are partly streamed on the web."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine

from webapp import extensions
from webapp.extensions import babel, csrf, limiter, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class: type | None = None, *, worker: bool | None = None) -> Flask:
    """Build the application; ``config_class`` defaults to WEBAPP_ENV's (development).

    ``worker``: the app of a mail worker (``flask mail work`` or ``mail drain``, told
    from the command line when not given), which renders emails and serves no
    requests: no sign-in, coordinators' pages, health or metrics, so that each of
    the several worker processes stays small (bench/run.py measures it; target: under
    80 MB).
    """
    from config import CONFIGS

    if config_class is None:
        config_class = CONFIGS[os.environ.get("WEBAPP_ENV", "development")]
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    from webapp.urls import RowId

    app.url_map.converters["int"] = RowId  # before any route: ids past MAX_ID are 404s
    app.config.from_object(config_class)
    config_class.prepare(app.config)
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        # A file opened in this process: no server whose restart a ping would notice.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_pre_ping": False}
    if app.config["TRUSTED_PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    from webapp.sessions import SessionInterface

    app.session_interface = SessionInterface()
    worker = _started_as_mail_worker() if worker is None else worker
    _init_extensions(app, web=not worker)
    _register_blueprints(app, web=not worker)
    from webapp import templating

    templating.init_app(app)
    from webapp.cli import register_commands

    register_commands(app)
    if not worker:
        _init_web(app)
    return app


def _started_as_mail_worker() -> bool:
    """This process is ``flask ... mail work`` or ``mail drain``."""
    import sys

    args = sys.argv[1:]
    return (Path(sys.argv[0]).name == "flask" and "mail" in args
            and bool({"work", "drain"} & set(args[args.index("mail"):])))


def _init_web(app: Flask) -> None:
    """What only the web app needs: security headers, the demo-account check, request
    logs, health, trusted hosts and metrics."""
    from webapp import security

    security.init_app(app)
    if app.config.get("REFUSE_DEMO_ACCOUNT"):
        from webapp.accounts import refuse_demo_account

        refuse_demo_account(app)
    from webapp.logs import init_request_logging, install_redaction

    install_redaction()
    init_request_logging(app)
    from webapp import health, hosts, metrics, uploads

    uploads.init_app(app)  # before CSRF's check, which reads the body
    health.init_app(app)
    hosts.init_app(app)  # late: its check runs before the other request hooks...
    metrics.init_app(app)  # ...but for the metrics' timer, the very first


def _init_extensions(app: Flask, web: bool = True) -> None:
    """Bind the unbound extensions to ``app``."""
    extensions.db.init_app(app)  # (webapp.db is the unit of work)
    extensions.mail.init_app(app)  # (webapp.mail is the email package)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    limiter.init_app(app)
    import webapp.models  # noqa: F401  (the models register with the metadata)
    import webapp.services.waiting  # noqa: F401  (the waiting lists listen for freed places)
    from webapp import secret_keys

    if web:
        from webapp import accounts

        accounts.init_app(app)  # after CSRFProtect, which Flask-Security looks for
    secret_keys.init_app(app)  # after Flask-WTF and Flask-Security are bound


def init_migrations(app: Flask) -> None:
    """Flask-Migrate, bound only when migrations are used (``flask db ...``, tests):
    it brings Alembic, which the web and mail processes never need."""
    if "migrate" not in app.extensions:
        from flask_migrate import Migrate

        Migrate(app, extensions.db, directory=str(ROOT / "migrations"), render_as_batch=True)


def _register_blueprints(app: Flask, web: bool = True) -> None:
    """One blueprint per area (a mail worker needs only those its emails link to)."""
    from webapp.errors import bp as errors_bp
    from webapp.participant import bp as participant_bp
    from webapp.public import bp as public_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(participant_bp)
    if web:
        from webapp.mail.mailbox import bp as mailbox_bp
        from webapp.manage import bp as manage_bp

        app.register_blueprint(mailbox_bp)
        app.register_blueprint(manage_bp)


@sa_event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite: WAL mode, foreign keys enforced, wait for the writer instead of failing;
    lower() folds every letter, as PostgreSQL's does (SQLite's own folds A-Z only: a
    search for "åsa" would miss "Åsa")."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "lower", 1, lambda text: text.lower() if isinstance(text, str) else text,
            deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
