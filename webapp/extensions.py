"""Flask extensions, created unbound and bound in ``create_app``."""

from functools import lru_cache

from babel import Locale
from flask import request
from flask_babel import Babel
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from webapp.ratelimit import RateLimiter


class Base(DeclarativeBase):
    """Declarative base with deterministic constraint names (for migrations)."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def select_locale() -> Locale:
    """The visitor's language: an explicit choice, else the browser's, else the default."""
    from flask import current_app, has_request_context, session

    config = current_app.config
    if not has_request_context():  # the CLI, the mail worker
        return _locale(config["BABEL_DEFAULT_LOCALE"])
    current = request._get_current_object()
    chosen = current.args.get("lang") or session.get("lang")
    if chosen not in config["LANGUAGES"]:
        chosen = (current.accept_languages.best_match(config["LANGUAGES"])
                  or config["BABEL_DEFAULT_LOCALE"])
    return _locale(chosen)


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    """Babel's locale for ``code``, parsed once (Flask-Babel takes it as it is; parsing
    it again on every request costs more than choosing it)."""
    return Locale.parse(code)


db = SQLAlchemy(model_class=Base)
mail = Mail()
csrf = CSRFProtect()
babel = Babel()
limiter = RateLimiter()


def insert_or_skip(entity):
    """``INSERT`` for the bound database that takes ``ON CONFLICT`` clauses
    (PostgreSQL and SQLite both have them; SQLAlchemy spells them per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(entity)
