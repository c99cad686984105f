"""Times shown in the event's zone with its abbreviation."""

from datetime import datetime, timezone

from webapp import clock, timefmt

UTC = timezone.utc


def test_time_range_in_event_zone():
    start, end = (datetime(2021, 11, 18, 8, 0, tzinfo=UTC),
                  datetime(2021, 11, 18, 10, 45, tzinfo=UTC))
    assert timefmt.time_range(start, end, "Europe/Helsinki") == "10:00–12:45 EET"
    assert timefmt.time_range(start, end, "Europe/Stockholm") == "09:00–11:45 CET"


def test_time_range_across_a_daylight_saving_change():
    # 31 October 2021: Helsinki goes from EEST to EET at 04:00 local (01:00 UTC).
    start, end = datetime(2021, 10, 30, 23, 0, tzinfo=UTC), datetime(2021, 10, 31, 2, 0, tzinfo=UTC)
    assert timefmt.time_range(start, end, "Europe/Helsinki") == "02:00 EEST–04:00 EET"


def test_long_datetime_in_english(app):
    with app.test_request_context():
        instant = datetime(2021, 11, 16, 21, 59, 59, tzinfo=UTC)
        assert (timefmt.long_datetime(instant, "Europe/Helsinki")
                == "Tuesday 16 November 2021, 23:59 EET")


def test_long_date_follows_the_language(app):
    with app.test_request_context("/?lang=sv"):
        assert (timefmt.long_date(datetime(2021, 11, 18, 8, tzinfo=UTC), "Europe/Helsinki")
                == "torsdag 18 november 2021")


def test_clock_is_aware_utc_and_movable(travel):
    travel("2021-11-18 10:00")
    assert clock.now() == datetime(2021, 11, 18, 8, 0, tzinfo=UTC)
