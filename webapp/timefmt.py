"""Showing instants in an event's own timezone, with its abbreviation."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_timedelta
from flask_babel import get_locale


def in_zone(instant: datetime, zone: str | ZoneInfo) -> datetime:
    """The instant as wall-clock time in ``zone``."""
    return instant.astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))


def clock_time(instant: datetime, zone: str | ZoneInfo) -> str:
    """``10:00 EET``."""
    local = in_zone(instant, zone)
    return f"{local:%H:%M} {local.tzname()}"


def time_range(start: datetime, end: datetime, zone: str | ZoneInfo) -> str:
    """``10:00–12:45 EET``; both abbreviations when daylight saving changes between."""
    a, b = in_zone(start, zone), in_zone(end, zone)
    if a.tzname() == b.tzname():
        return f"{a:%H:%M}–{b:%H:%M} {b.tzname()}"
    return f"{a:%H:%M} {a.tzname()}–{b:%H:%M} {b.tzname()}"


def long_date(instant: datetime, zone: str | ZoneInfo) -> str:
    """``Thursday 18 November 2021``, ``torsdag 18 november 2021``,
    ``torstai 18. marraskuuta 2021``."""
    locale = get_locale()
    # CLDR's "full" English date is American (Thursday, November 18, 2021): ours is not.
    pattern = "EEEE d MMMM y" if locale is None or locale.language == "en" else "full"
    return format_date(in_zone(instant, zone).date(), pattern, locale=locale)


def day(text: str) -> str:
    """A calendar date written ``2026-12-01`` (a setting), in the reader's words:
    ``1 December 2026``, ``1 december 2026``, ``1. joulukuuta 2026``; else as written."""
    try:
        value = date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    locale = get_locale()
    pattern = "d MMMM y" if locale is None or locale.language == "en" else "long"
    return format_date(value, pattern, locale=locale)


def long_datetime(instant: datetime, zone: str | ZoneInfo) -> str:
    """``Tuesday 16 November 2021, 23:59 EET``."""
    return f"{long_date(instant, zone)}, {clock_time(instant, zone)}"


def span(start: datetime, end: datetime, zone: str | ZoneInfo) -> str:
    """``Thursday 18 November 2021, 10:00–18:20 EET``; over several days
    ``Tuesday 10 May 2022, 09:30 CEST – Wednesday 11 May 2022, 16:00 CEST``."""
    if in_zone(start, zone).date() == in_zone(end, zone).date():
        return f"{long_date(start, zone)}, {time_range(start, end, zone)}"
    return f"{long_datetime(start, zone)} – {long_datetime(end, zone)}"


def several_days(start: datetime, end: datetime, zone: str | ZoneInfo) -> bool:
    """``start`` and ``end`` fall on different days in ``zone``."""
    return in_zone(start, zone).date() != in_zone(end, zone).date()


def short_datetime(instant: datetime, zone: str | ZoneInfo) -> str:
    """``2021-11-12 14:03`` in ``zone``: compact, for coordinators' tables."""
    return f"{in_zone(instant, zone):%Y-%m-%d %H:%M}"


def iso(instant: datetime) -> str:
    """Machine-readable form for ``<time datetime=...>``, to the second (HTML takes at
    most three digits of a fraction: an audit entry made at 13:20:49.763549 was invalid)."""
    return instant.isoformat(timespec="seconds")


def countdown(instant: datetime, now: datetime) -> str:
    """``in 2 days`` / ``in 25 minutes``, in the visitor's language."""
    return _countdown(instant, now.replace(second=0, microsecond=0), str(get_locale()))


@lru_cache(maxsize=1024)
def _countdown(instant: datetime, minute: datetime, locale: str) -> str:
    """Countdowns change once a minute: worked out once per minute and language."""
    return format_timedelta(instant - minute, granularity="minute", add_direction=True,
                            threshold=1.0, locale=locale)
