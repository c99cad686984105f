"""Health checks for the proxy, systemd and monitoring: cheap, JSON, no personal data.

- ``/healthz``: the process answers (no database): 200.
- ``/readyz``: the database answers and its schema is the migrations' head: 200, else
  503 saying which (``database: unreachable``; ``migrations: behind`` = run
  ``flask db upgrade``; ``migrations: unknown`` = the database is newer than this code).

The head revision is read once, at start, from the files under migrations/versions
(their ``revision``/``down_revision`` lines), so a check is one query and never imports
Alembic. tests/test_health.py holds the result to Alembic's own.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from webapp.extensions import db

bp = Blueprint("health", __name__)

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
_NO_STORE = {"Cache-Control": "no-store"}


def migration_graph(folder: Path = VERSIONS) -> tuple[frozenset[str], frozenset[str]]:
    """(every revision, the heads) of the migration scripts in ``folder``."""
    revisions, parents = set(), set()
    for script in folder.glob("*.py"):
        found = dict(m.groups() for m in _ASSIGNMENT.finditer(script.read_text()))
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"]))
        down = ast.literal_eval(found.get("down_revision", "None"))
        parents.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return frozenset(revisions), frozenset(revisions - parents)


@bp.get("/healthz")
def healthz():
    """The process is alive."""
    return jsonify(status="ok"), 200, _NO_STORE


@bp.get("/readyz")
def readyz():
    """The database answers and carries the migrations' head."""
    revisions, heads = current_app.extensions["migration_graph"]
    try:
        with db.engine.connect() as connection:
            try:
                found = set(connection.scalars(text("SELECT version_num FROM alembic_version")))
            except SQLAlchemyError:  # no alembic_version table: never migrated
                found = set()
    except SQLAlchemyError:
        return jsonify(status="not ready", database="unreachable"), 503, _NO_STORE
    if found == heads:
        return jsonify(status="ready", database="ok", migrations="current"), 200, _NO_STORE
    migrations = "unknown" if found - revisions else "behind"
    return jsonify(status="not ready", database="ok", migrations=migrations), 503, _NO_STORE


def init_app(app: Flask) -> None:
    """Read the migrations' head once and serve the checks."""
    app.extensions["migration_graph"] = migration_graph()
    app.register_blueprint(bp)
