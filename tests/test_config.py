"""Configuration from the environment."""

from __future__ import annotations

import importlib

import pytest


def load_config(monkeypatch, tmp_path, **env):
    """Re-import config.py with ``env`` set and instance/ in ``tmp_path``."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    for name in ("SECRET_KEY", "DATABASE_URL", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    import config

    return importlib.reload(config)


@pytest.fixture(autouse=True)
def _restore_config():
    yield
    import config

    importlib.reload(config)


def test_development_generates_a_secret_once_and_uses_sqlite_in_instance(monkeypatch, tmp_path):
    config = load_config(monkeypatch, tmp_path)
    first, second = {}, {}
    config.DevelopmentConfig.prepare(first)
    config.DevelopmentConfig.prepare(second)
    assert len(first["SECRET_KEY"]) > 40 and first["SECRET_KEY"] == second["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text() == first["SECRET_KEY"]
    assert first["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'webinar_desk.sqlite3'}"


def test_production_refuses_to_start_without_a_secret(monkeypatch, tmp_path):
    config = load_config(monkeypatch, tmp_path, DATABASE_URL="postgresql://db/x")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig.prepare({"SQLALCHEMY_DATABASE_URI": "postgresql://db/x"})
    from webapp import create_app

    monkeypatch.setenv("WEBAPP_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        create_app(config.ProductionConfig)
    assert not (tmp_path / "secret_key").exists()


def test_environment_variables_are_read(monkeypatch, tmp_path):
    config = load_config(
        monkeypatch, tmp_path, SECRET_KEY="s3cret", DATABASE_URL="postgres://u@h/db",
        MAIL_SERVER="smtp.example.org", MAIL_PORT="587", MAIL_USE_TLS="true",
        BASE_URL="https://events.example.org/", DEFAULT_TIMEZONE="Europe/Stockholm",
        DEFAULT_LANGUAGE="sv",
    )
    c = config.ProductionConfig
    assert c.SECRET_KEY == "s3cret"
    assert c.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@h/db"
    assert (c.MAIL_SERVER, c.MAIL_PORT, c.MAIL_USE_TLS) == ("smtp.example.org", 587, True)
    assert c.BASE_URL == "https://events.example.org" and c.SESSION_COOKIE_SECURE
    assert (c.DEFAULT_TIMEZONE, c.BABEL_DEFAULT_LOCALE) == ("Europe/Stockholm", "sv")


def test_sqlite_runs_in_wal_mode(app):
    from sqlalchemy import text

    from webapp.extensions import db

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_a_bad_number_names_the_variable(monkeypatch, tmp_path):
    with pytest.raises(RuntimeError, match="MAIL_PORT must be a number, not 'twenty-five'"):
        load_config(monkeypatch, tmp_path, MAIL_PORT="twenty-five")
    monkeypatch.delenv("MAIL_PORT")
    with pytest.raises(RuntimeError, match="REMINDER_OFFSETS_MINUTES must be whole minutes"):
        load_config(monkeypatch, tmp_path, REMINDER_OFFSETS_MINUTES="1h")
