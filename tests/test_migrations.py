"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from config import TestConfig
from webapp import create_app, init_migrations
from webapp.extensions import db

SCHEMA = "migration_check"


@pytest.fixture
def empty_database_url(tmp_path):
    """An empty database: a new SQLite file, or a fresh schema on PostgreSQL."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = TestConfig.SQLALCHEMY_DATABASE_URI
    engine = create_engine(base)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{SCHEMA}"
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    engine.dispose()


def test_migrations_match_the_models_and_downgrade_cleanly(empty_database_url):
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_database_url

    app = create_app(Config)
    init_migrations(app)
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"events", "programme_parts", "registrations", "contacts", "series"} <= tables
        flask_migrate.downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


def test_migration_files_carry_a_date():
    import re
    from pathlib import Path

    versions = Path(__file__).resolve().parent.parent / "migrations" / "versions"
    names = [p.name for p in versions.glob("*.py")]
    assert names and all(re.match(r"^\d{8}_[0-9a-f]+_\w+\.py$", n) for n in names)
