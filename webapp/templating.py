"""Jinja filters and globals."""

from flask import Flask, request, session
from flask_babel import get_locale

from webapp import clock, timefmt
from webapp.markdown import render_markdown
from webapp.materials_view import file_size, language_name, material_href, material_type
from webapp.programme_days import programme_days
from webapp.static_urls import static_url


def init_app(app: Flask) -> None:
    """Register the filters every template uses."""
    app.jinja_env.filters.update(
        clock_time=timefmt.clock_time,
        time_range=timefmt.time_range,
        long_date=timefmt.long_date,
        day=timefmt.day,
        long_datetime=timefmt.long_datetime,
        span=timefmt.span,
        several_days=timefmt.several_days,
        by_day=programme_days,
        material_type=material_type,
        file_size=file_size,
        language_name=language_name,
        short_datetime=timefmt.short_datetime,
        iso=timefmt.iso,
        markdown=render_markdown,
        tr=translated,
        text_language=text_language,
    )
    app.jinja_env.globals.update(now=clock.now, get_locale=get_locale, static_url=static_url,
                                 material_href=material_href)

    @app.before_request
    def remember_language() -> None:
        """A ``?lang=`` choice sticks for the session."""
        chosen = request.args.get("lang")
        if chosen in app.config["LANGUAGES"]:
            session["lang"] = chosen


def text_language(obj) -> str:
    """The language an event's (or part's) texts are shown in for this reader: theirs
    when the texts are there in it, else the event's own."""
    language = str(get_locale())
    if (getattr(obj, "translations", None) or {}).get(language):
        return language
    return getattr(obj, "language", None) or language


def translated(obj, field: str) -> str:
    """``obj.<field>`` in the reader's language when it is given, else as written."""
    texts = (getattr(obj, "translations", None) or {}).get(str(get_locale())) or {}
    return texts.get(field) or getattr(obj, field)
