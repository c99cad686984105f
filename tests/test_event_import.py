"""Importing events from YAML and JSON, with errors naming line and field."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import yaml
from sqlalchemy import func, select

from tests.conftest import REFERENCE, ROOT
from webapp.extensions import db
from webapp.models import Audience, Event, ProgrammePart, Series
from webapp.services.event_import import EventImportError, import_event, parse_event_text

UTC = timezone.utc


def reference_text(**replace: str) -> str:
    """The reference YAML with ``old=new`` text replacements (keys use __ for spaces)."""
    text = REFERENCE.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def error_of(text: str, filename: str = "event.yaml") -> str:
    """The import error message for ``text``."""
    with pytest.raises(EventImportError) as caught:
        parse_event_text(text, filename)
    return str(caught.value)


def test_reference_event_imports_with_times_in_utc():
    event = import_event(parse_event_text(REFERENCE.read_text(), "ref.yaml"))
    assert event.starts_at == datetime(2021, 11, 18, 8, 0, tzinfo=UTC)
    assert event.registration_closes_at == datetime(2021, 11, 16, 21, 59, 59, tzinfo=UTC)
    assert event.recording_available_until == datetime(2021, 12, 18, 21, 59, 59, tzinfo=UTC)
    assert [(p.title.split(":")[0], p.streamed, p.audience) for p in event.parts] == [
        ("Part I", True, Audience.EVERYONE),
        ("Part II", False, Audience.INVITED_ON_SITE),
        ("Part III", True, Audience.EVERYONE),
    ]
    assert event.parts[2].starts_at == datetime(2021, 11, 18, 15, 10, tzinfo=UTC)
    assert [c.name for c in event.contacts] == ["Ilona Sekiguchi", "Venla Roth"]


def test_every_example_file_imports():
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        import_event(parse_event_text(path.read_text(), path.name))
    db.session.commit()
    conference = db.session.scalar(select(Event).where(Event.slug.like("nationell%")))
    assert conference.timezone == "Europe/Stockholm"
    assert [[o.label for o in slot.options] for slot in conference.slots] == [
        list("ABCD"), list("EFGH")]
    slot_one = conference.slots[0]
    assert slot_one.starts_at.astimezone(conference.zone).strftime("%H:%M") == "12:30"
    assert slot_one.options[3].language_note == "genomförs på engelska"
    assert slot_one.options[0].description.startswith("Enligt EUROSTAT är 24 procent")
    assert conference.onsite_signup and conference.onsite_capacity == 400
    assert not any(o.streamed for slot in conference.slots for o in slot.options)
    dialogue = db.session.scalar(select(Series).where(Series.slug.like("dialogmoten%")))
    assert [e.title.split(":")[0] for e in dialogue.events] == [
        f"Dialogmöte {n}" for n in range(1, 6)]
    assert {(e.ends_at - e.starts_at).total_seconds() for e in dialogue.events} == {7200}
    assert dialogue.description.startswith("Jämställdhetsmyndigheten samordnar")


def test_reimporting_a_slug_updates_it_and_replaces_the_programme():
    import_event(parse_event_text(REFERENCE.read_text(), "a.yaml"))
    db.session.commit()
    changed = reference_text(**{"Part III: Conclusions": "Part III: Conclusions and the way on"})
    changed = changed.replace('title: "Part I: The overall picture"', 'title: "Part I: Overall"')
    import_event(parse_event_text(changed, "a.yaml"))
    db.session.commit()
    assert db.session.scalar(select(func.count(Event.id))) == 1
    titles = db.session.scalars(select(ProgrammePart.title).order_by(ProgrammePart.position)).all()
    assert titles == ["Part I: Overall", "Part II: Workshops",
                      "Part III: Conclusions and the way on"]


def test_json_imports_like_yaml():
    data = yaml.safe_load(REFERENCE.read_text())
    data = json.loads(json.dumps(data, default=str))
    event = import_event(parse_event_text(json.dumps(data, indent=2), "ref.json"))
    assert event.registration_closes_at == datetime(2021, 11, 16, 21, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("replace", "expected"),
    [
        ({"timezone: Europe/Helsinki": "timezone: Europe/Helsingfors"},
         "line 23: timezone: unknown IANA timezone 'Europe/Helsingfors'"),
        ({'    starts_at: "17:10"': '    starts_at: "25:10"'},
         "programme[2].starts_at"),
        ({"registration_closes_at: 2021-11-16 ": "registration_closes_at: 2021-11-31 "},
         "line 28: registration_closes_at: not a valid date"),
        ({"web_capacity: null": "web_capacity: many"},
         "line 32: web_capacity: Input should be a valid integer"),
        ({"status: published": "status: public"},
         "line 33: status: Input should be 'draft', 'published' or 'cancelled'"),
        ({"language: en": "language: de"}, "line 22: language:"),
        ({"slug: nordic-seminar-trafficking-2021": "slug: Nordic Seminar!"},
         "line 4: slug: use lower-case letters, digits and hyphens"),
        ({"venue:": "venu:"}, "line 24: venu: Extra inputs are not permitted"),
        ({"    streamed: true\n    audience: everyone\n    description: >-\n      An overall":
          "    streamed: sometimes\n    audience: everyone\n    description: >-\n      An overall"},
         "line 45: programme[0].streamed: Input should be a valid boolean"),
        ({"registration_opens_at: 2021-10-15 09:00": "registration_opens_at: 2021-11-17"},
         "line 28: registration_closes_at: must be after registration_opens_at"),
        ({'    ends_at: "18:20"': '    ends_at: "17:00"'},
         "programme[2].ends_at: must be after starts_at"),
        ({"title: Seminar on best practice against human trafficking in the Nordic countries":
          "title: ''"},
         "line 5: title: String should have at least 1 character"),
        ({"stream_url: https://": "stream_url: javascript://"},
         "line 30: stream_url: must be an https:// address"),
    ],
)
def test_errors_name_the_line_and_field(replace, expected):
    assert expected in error_of(reference_text(**replace))


def test_missing_field_is_named():
    assert "registration_closes_at: Field required" in error_of(
        reference_text(**{"registration_closes_at: 2021-11-16": "# no deadline"}))


def test_yaml_syntax_error_names_the_line():
    assert error_of("slug: x\ntitle: [unclosed\n").startswith("line 3: invalid YAML")


def test_json_syntax_error_names_the_line():
    assert error_of('{\n  "slug": "x",\n  oops\n}', "e.json").startswith("line 3: invalid JSON")


def test_a_list_instead_of_an_event_is_refused():
    assert "must hold one event" in error_of("- a\n- b\n")


def test_times_are_never_read_as_sexagesimal_numbers_or_booleans():
    text = reference_text(**{'starts_at: "17:10"': "starts_at: 17:10",
                             "language: en": "language: sv"})
    spec = parse_event_text(text, "x.yaml")
    assert spec.programme[2].starts_at == datetime(2021, 11, 18, 15, 10, tzinfo=UTC)


def test_cli_import_reports_success_and_errors_with_file_and_line(runner, tmp_path):
    good = runner.invoke(args=["events", "import", str(REFERENCE)])
    assert good.exit_code == 0, good.output
    assert "imported nordic-seminar-trafficking-2021" in good.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(reference_text(**{"timezone: Europe/Helsinki": "timezone: Mars/Olympus"}))
    result = runner.invoke(args=["events", "import", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}: line 23: timezone:" in result.output
    missing = runner.invoke(args=["events", "import", str(tmp_path / "none.yaml")])
    assert missing.exit_code != 0 and "cannot read" in missing.output


def test_cli_import_is_all_or_nothing(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("slug: x\n")
    result = runner.invoke(args=["events", "import", str(REFERENCE), str(bad)])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_cli_demo_moves_examples_into_the_future_with_registration_open(runner, travel):
    travel("2026-11-22 12:00")
    result = runner.invoke(args=["events", "demo"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.slug == "nordic-seminar-trafficking-2021"))
    local = event.starts_at.astimezone(event.zone)
    assert local.strftime("%A %H:%M %Z") == "Thursday 10:00 EET"
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert event.registration_opens_at <= now <= event.registration_closes_at
    closes = event.registration_closes_at.astimezone(event.zone)
    assert (local.date() - closes.date()).days == 2 and closes.strftime("%H:%M:%S") == "23:59:59"
    expiry = event.recording_available_until.astimezone(event.zone)
    assert (expiry.date() - local.date()).days == 30
    assert [p.starts_at.astimezone(event.zone).strftime("%H:%M") for p in event.parts] == [
        "10:00", "13:45", "17:10"]
    series = db.session.scalar(select(Series).where(Series.slug.like("dialogmoten%")))
    days = [e.starts_at.astimezone(e.zone).date() for e in series.events]
    assert [(b - a).days for a, b in zip(days, days[1:])] == [7, 8, 7, 6], \
        "a series moves by the same weeks: its order and gaps stay"
    assert all(e.registration_opens_at <= now <= e.registration_closes_at
               for e in series.events)
