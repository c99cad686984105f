"""/healthz and /readyz: cheap, JSON, no personal data."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import ROOT
from webapp import health
from webapp.extensions import db


def test_healthz_answers_without_the_database(client, monkeypatch):
    monkeypatch.setattr(health, "db", None)  # not even looked at
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_the_head_read_from_the_files_is_alembics(tmp_path):
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory(str(ROOT / "migrations"))
    revisions, heads = health.migration_graph()
    assert heads == set(scripts.get_heads()) and len(heads) == 1
    assert revisions == {script.revision for script in scripts.walk_revisions()}
    (tmp_path / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (tmp_path / "b.py").write_text("revision: str = 'b'\ndown_revision = 'a'\n")
    (tmp_path / "c.py").write_text('revision = "c"\ndown_revision = "a"\n')
    (tmp_path / "m.py").write_text("revision = 'm'\ndown_revision = ('b', 'c')\n")
    assert health.migration_graph(tmp_path) == ({"a", "b", "c", "m"}, {"m"})


@pytest.fixture
def alembic_version():
    """``alembic_version("rev")``: the database says it carries ``rev``."""
    def stamp(*revisions: str) -> None:
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
            connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
            for revision in revisions:
                connection.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})

    yield stamp
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def test_readyz_compares_the_databases_revision_with_the_head(client, alembic_version):
    (head,) = health.migration_graph()[1]
    never_migrated = client.get("/readyz")
    assert never_migrated.status_code == 503
    assert never_migrated.json == {"status": "not ready", "database": "ok", "migrations": "behind"}
    alembic_version("328783f4d8f9")  # the first migration
    assert client.get("/readyz").json["migrations"] == "behind"
    alembic_version("ffffffffffff")  # a newer code's migration
    assert client.get("/readyz").json["migrations"] == "unknown"
    alembic_version(head)
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json == {
        "status": "ready", "database": "ok", "migrations": "current"}
    assert ready.headers["Cache-Control"] == "no-store"


def test_readyz_says_when_the_database_is_unreachable(client, monkeypatch, tmp_path):
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    monkeypatch.setattr(health, "db", SimpleNamespace(engine=unreachable))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "not ready", "database": "unreachable"}
