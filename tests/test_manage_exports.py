"""Registrations and attendance as files: CSV that Excel opens in Swedish and Finnish,
XLSX, formula injection neutralised in every cell, and the printable door list."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from tests.conftest import add_views, text_of
from webapp.extensions import db
from webapp.models import AuditEntry
from webapp.services.exports import neutralise

DANGEROUS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+46701234567", "-2+3",
             "@SUM(A1:A9)", "\tTabbed", "\rReturned"]


@pytest.fixture
def exported(make_event, make_registration, travel):
    """An event whose registrants' names and organisations try formula injection."""
    travel("2021-11-10 12:00")
    event = make_event()
    for n, name in enumerate(DANGEROUS):
        make_registration(event, name=name, organisation=DANGEROUS[-1 - n],
                          email=f"p{n}@example.org")
    make_registration(event, name="Åsa Öberg", organisation="Länsstyrelsen", kind="on_site",
                      created_at=datetime(2021, 11, 16, 21, 30, tzinfo=timezone.utc))
    return event


def read_csv(response, separator=";") -> list[list[str]]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "UTF-8 with a byte order mark"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""),
                           delimiter=separator))


def test_neutralise_leaves_plain_text_and_numbers_alone():
    assert neutralise("Anna") == "Anna" and neutralise(-3) == -3 and neutralise("") == ""
    assert [neutralise(v)[0] for v in DANGEROUS] == ["'"] * len(DANGEROUS)


def test_csv_for_excel_in_nordic_locales(exported, coordinator_client):
    client = coordinator_client(events=[exported])
    response = client.get(f"/manage/events/{exported.id}/registrations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0][:3] == ["Name", "Email", "Organisation"]
    assert rows[0][5] == "Registered (Europe/Helsinki)"
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    names = {row[0] for row in rows[1:]}
    assert {f"'{name}" for name in DANGEROUS} <= names
    asa = next(row for row in rows if row[0] == "Åsa Öberg")
    assert asa[5] == "2021-11-16 23:30", "in the event's zone (EET), not UTC"
    assert asa[3] == "on site" and asa[2] == "Länsstyrelsen"
    comma = read_csv(client.get(f"/manage/events/{exported.id}/registrations.csv"
                                "?separator=comma"), ",")
    assert comma[1:] == rows[1:]
    filtered = read_csv(client.get(f"/manage/events/{exported.id}/registrations.csv"
                                   "?kind=on_site"))
    assert [row[0] for row in filtered[1:]] == ["Åsa Öberg"]
    assert db.session.scalars(select(AuditEntry.note).where(
        AuditEntry.action == "registrations.export")).all() == ["csv", "csv", "csv"]


def xlsx_cells(data: bytes) -> list[str]:
    """Every text cell of the first sheet (shared or inline strings) and its formulas."""
    book = zipfile.ZipFile(io.BytesIO(data))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet, "no formula anywhere"
    texts = re.findall(r"<t(?: [^>]*)?>([^<]*)</t>", sheet)
    if "xl/sharedStrings.xml" in book.namelist():
        texts += re.findall(r"<t(?: [^>]*)?>([^<]*)</t>",
                            book.read("xl/sharedStrings.xml").decode())
    import html

    return [html.unescape(t).replace("_x000D_", "\r") for t in texts]


def test_xlsx_has_no_formula_and_dates_as_dates(exported, coordinator_client):
    client = coordinator_client(events=[exported])
    response = client.get(f"/manage/events/{exported.id}/registrations.xlsx")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    cells = xlsx_cells(response.get_data())
    assert "Åsa Öberg" in cells and "Registered (Europe/Helsinki)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells


def test_the_door_list_prints_everyone_on_site(exported, coordinator_client):
    client = coordinator_client(events=[exported])
    page = client.get(f"/manage/events/{exported.id}/door-list").get_data(as_text=True)
    assert "Åsa Öberg" in text_of(page) and "p0@example.org" not in page
    assert "1 participant on site" in text_of(page)
    assert "css/manage.css" in page
    with client.application.open_resource("static/css/manage.css") as css:
        assert "@media print" in css.read().decode()


def test_attendance_csv(exported, coordinator_client):
    registration = exported_registration("Åsa Öberg")
    part = exported.parts[0]
    add_views(registration, part, "live",
              [datetime(2021, 11, 18, 8, minute, tzinfo=timezone.utc) for minute in (0, 1, 2)])
    client = coordinator_client(events=[exported])
    rows = read_csv(client.get(f"/manage/events/{exported.id}/attendance.csv"))
    assert rows[1] == ["Part I: The overall picture", "Åsa Öberg", registration.email, "live",
                       "2021-11-18 10:00", "2021-11-18 10:02", "3"]


def exported_registration(name):
    from webapp.models import Registration

    return db.session.scalar(select(Registration).where(Registration.name == name))
