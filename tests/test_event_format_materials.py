"""Materials and part venues in the event format: import, export, round trip, errors,
and the examples that carry them."""

from __future__ import annotations

import pytest
import yaml
from sqlalchemy import select

from tests.conftest import REFERENCE, ROOT
from webapp.extensions import db
from webapp.models import Event, Material, MaterialAccess, MaterialFile, MaterialType
from webapp.services.event_export import event_document, event_yaml
from webapp.services.event_import import import_event, parse_event_text
from webapp.services.event_spec import EventImportError

EXTRA = {
    "materials": [{"title": "Report", "url": "https://example.org/report.pdf", "year": "2017",
                   "authors": "Länsstyrelsen Stockholm", "type": "report", "language": "sv",
                   "summary": "A summary.", "orderable": "true"}],
}
PART_VENUE = {"name": "Polishuset Malmö", "address": "Porslinsgatan 3", "city": "Malmö",
              "map_url": "https://www.openstreetmap.org/search?query=Malm%C3%B6"}


def document(**changes) -> dict:
    """The reference event's document with top-level fields changed."""
    data = yaml.safe_load(REFERENCE.read_text())
    data.update(changes)
    return data


def imported(data: dict) -> Event:
    event = import_event(parse_event_text(yaml.safe_dump(data, allow_unicode=True), "e.yaml"))
    db.session.commit()
    return event


def test_materials_and_venues_are_read_where_the_file_puts_them():
    data = document(**EXTRA)
    data["programme"][1]["venue"] = PART_VENUE
    data["programme"][2]["venue"] = "Side room"
    data["programme"][2]["materials"] = [{"title": "Slides of Part III", "type": "slides",
                                          "url": "https://example.org/slides",
                                          "access": "registered"}]
    event = imported(data)
    report, slides = sorted(event.materials, key=lambda m: m.title)
    assert (report.year, report.type, report.orderable, report.part) == (
        2017, MaterialType.REPORT, True, None)
    assert slides.part is event.parts[2] and slides.access is MaterialAccess.REGISTERED
    assert event.parts[1].own_venue.city == "Malmö"
    assert str(event.parts[1].place) == "Polishuset Malmö, Porslinsgatan 3, Malmö"
    assert event.parts[2].own_venue.name == "Side room" and event.parts[2].venue_city == ""
    assert event.parts[0].own_venue is None
    assert str(event.parts[0].place) == event.venue, "no venue of its own: the event's"


def test_export_then_import_gives_the_same_materials_and_venues():
    data = document(**EXTRA)
    data["programme"][1]["venue"] = PART_VENUE
    data["programme"][2]["venue"] = "Side room"
    data["programme"][0]["materials"] = [{"title": "Slides", "type": "slides",
                                          "url": "https://example.org/s", "access": "registered"}]
    event = imported(data)
    before, text = event_document(event), event_yaml(event)
    db.session.delete(event)
    db.session.commit()
    again = imported(yaml.safe_load(text))
    assert event_document(again) == before
    assert before["programme"][2]["venue"] == "Side room", "a name alone is written alone"
    assert before["programme"][0]["materials"][0]["access"] == "registered"


def test_importing_again_keeps_uploaded_files_and_the_ids_of_links():
    event = imported(document(**EXTRA))
    upload = Material(event=event, part=event.parts[2], title="Uploaded slides",
                      filename="slides.pdf", content_type="application/pdf", size=5,
                      sha256="0" * 64, position=9)
    db.session.add(upload)
    db.session.flush()
    db.session.add(MaterialFile(material_id=upload.id, data=b"%PDF-"))
    db.session.commit()
    link_ids = sorted(m.id for m in event.materials if not m.is_file)
    changed = document(**EXTRA)
    changed["materials"][0]["title"] = "Report, second edition"
    imported(changed)
    db.session.expire_all()
    event = db.session.scalar(select(Event))
    assert sorted(m.id for m in event.materials if not m.is_file) == link_ids
    assert "Report, second edition" in {m.title for m in event.materials}
    kept = db.session.get(Material, upload.id)
    assert kept.part is event.parts[2], "on the part now at its part's place"
    assert db.session.get(MaterialFile, upload.id).data == b"%PDF-"
    assert "1 uploaded material file" in event_yaml(event), "the export says what it leaves out"
    imported(document(materials=[]))
    db.session.expire_all()
    assert [m.title for m in db.session.scalar(select(Event)).materials] == ["Uploaded slides"]


@pytest.mark.parametrize("change, expected", [
    ({"materials": [{"title": "No address"}]}, "materials[0].url: Field required"),
    ({"materials": [{"title": "X", "url": "http://example.org"}]},
     "materials[0].url: must be an https:// address"),
    ({"materials": [{"title": "X", "url": "https://e.org", "type": "poster"}]},
     "materials[0].type: Input should be"),
    ({"materials": [{"title": "X", "url": "https://e.org", "language": "Swedish"}]},
     "materials[0].language: use a language code"),
    ({"materials": [{"title": "X", "url": "https://e.org", "year": "last year"}]},
     "materials[0].year"),
])
def test_a_bad_material_is_named_with_its_field(change, expected):
    with pytest.raises(EventImportError) as error:
        parse_event_text(yaml.safe_dump(document(**change)), "e.yaml")
    assert expected in str(error.value)


def test_a_bad_part_venue_is_named_with_its_line_and_field():
    text = REFERENCE.read_text().replace(
        '    ends_at: "12:45"\n',
        '    ends_at: "12:45"\n    venue:\n      city: Malmö\n      map_url: ftp://x\n', 1)
    with pytest.raises(EventImportError) as error:
        parse_event_text(text, "e.yaml")
    message = str(error.value)
    assert "programme[0].venue.name: Field required" in message
    assert "programme[0].venue.map_url: must be an https:// address" in message
    assert message.startswith("line 4"), message


def _example(name: str) -> Event:
    path = ROOT / "examples" / name
    event = import_event(parse_event_text(path.read_text(), path.name))
    db.session.commit()
    return event


def test_the_seed_003_examples_span_days_and_venues_in_their_own_zones():
    copenhagen = _example("expert-seminar-copenhagen-malmo-2022.yaml")
    assert copenhagen.timezone == "Europe/Copenhagen"
    days = {p.starts_at.astimezone(copenhagen.zone).date() for p in copenhagen.parts}
    assert len(days) == 2
    assert {p.place.city or p.place.name for p in copenhagen.parts} >= {"København", "Malmö"}
    vilnius = _example("two-day-seminar-vilnius-2022.yaml")
    assert vilnius.timezone == "Europe/Vilnius"
    assert vilnius.starts_at.astimezone(vilnius.zone).strftime("%H:%M %Z") == "09:30 EEST"
    assert len({str(p.place) for p in vilnius.parts}) == 2


def test_the_national_conference_carries_the_seed_001_publications():
    event = _example("national-conference-trafficking-2024.yaml")
    assert len(event.materials) == 9 and all(m.url.startswith("https://") for m in event.materials)
    orderable = sorted(m.title for m in event.materials if m.orderable)
    assert orderable == ["Kan det vara människohandel?",
                         "Manual vid misstanke om människohandel – Skydd och stöd till "
                         "människohandelsoffer",
                         "Människohandel med barn – Nationell kartläggning 2012–2015"]
    assert {m.type.value for m in event.materials} == {"report", "manual", "brochure", "other"}
    by_part = {m.part.title for m in event.materials if m.part is not None}
    assert any("Få domar" in title for title in by_part)
