"""Registrations and attendance as files for spreadsheets.

CSV opens correctly in Excel set to Swedish or Finnish: UTF-8 with a byte order mark
(else Excel reads it as the local 8-bit code page) and ``;`` between fields (Excel's
list separator there, since the comma is the decimal sign); ``,`` on request. XLSX is
written by XlsxWriter. Times are in the event's zone. Every text cell that a
spreadsheet would take for a formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return) is neutralised with a leading apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Event, Registration, RegistrationKind, RegistrationStatus, ViewMode
from webapp.services.registration_admin import (
    SORTS,
    Filters,
    filtered,
    stream_link_status,
    watched,
)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = {"semicolon": ";", "comma": ","}


def neutralise(value):
    """``value``, or for text a spreadsheet would run as a formula, that text made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def local(instant: datetime | None, event: Event) -> datetime | None:
    """The wall-clock time in the event's zone, without the zone (spreadsheets keep none)."""
    return instant.astimezone(event.zone).replace(tzinfo=None) if instant else None


def registration_header(event: Event) -> list[str]:
    """Column names, times named with the event's zone."""
    zone = event.timezone
    return [_("Name"), _("Email"), _("Organisation"), _("Taking part"), _("Status"),
            _("Registered (%(zone)s)", zone=zone), _("Cancelled (%(zone)s)", zone=zone),
            _("Stream link"), _("Watched live"), _("Watched the recording"),
            _("Link flagged as shared")]


def attendance_header(event: Event) -> list[str]:
    """Column names of the attendance CSV."""
    zone = event.timezone
    return [_("Part"), _("Name"), _("Email"), _("How"), _("First minute (%(zone)s)", zone=zone),
            _("Last minute (%(zone)s)", zone=zone), _("Minutes")]


def attendance_values(event: Event, rows):
    """The report's rows with words and local times."""
    for part, name, email, mode, first, last, minutes in rows:
        yield (part, name, email, _("live") if mode is ViewMode.LIVE else _("recording"),
               local(first, event), local(last, event), minutes)


def registration_rows(event: Event, filters: Filters):
    """The registrations ``filters`` picks, in the table's order, as tuples of values
    (read in chunks: an export of 100 000 rows never holds them all as objects)."""
    columns = SORTS[filters.sort.lstrip("-")]
    order = [c.desc() for c in columns] if filters.sort.startswith("-") else list(columns)
    statement = (select(Registration.name, Registration.email, Registration.organisation,
                        Registration.kind, Registration.status, Registration.created_at,
                        Registration.cancelled_at, Registration.purged_at,
                        Registration.shared_link_flagged_at, stream_link_status(),
                        watched(ViewMode.LIVE), watched(ViewMode.RECORDING))
                 .where(*filtered(event, filters)).order_by(*order)
                 .execution_options(yield_per=2000))
    yes, no = _("yes"), _("no")
    for (name, email, organisation, kind, status, created, cancelled, purged, flagged,
         link, live, recording) in db.session.execute(statement):
        yield (name, "" if purged else email, organisation,
               _("web") if kind is RegistrationKind.WEB else _("on site"),
               _("erased") if purged else _status_word(status), local(created, event),
               local(cancelled, event), link.value if link else "",
               yes if live else no, yes if recording else no, yes if flagged else no)


def _status_word(status: RegistrationStatus) -> str:
    return {RegistrationStatus.REGISTERED: _("registered"),
            RegistrationStatus.PENDING: _("waiting for address confirmation"),
            RegistrationStatus.CANCELLED: _("cancelled")}[status]


def to_csv(header: list[str], rows, separator: str = ";") -> str:
    """CSV text with a byte order mark; times as ``2021-11-18 10:00``."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(f"{v:%Y-%m-%d %H:%M}" if isinstance(v, datetime) else
                                    "" if v is None else v) for v in row])
    return out.getvalue()


def to_xlsx(title: str, header: list[str], rows) -> bytes:
    """An Excel workbook of one sheet; times as real dates, text never a formula."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True,
                                        "strings_to_formulas": False,
                                        "strings_to_urls": False,
                                        "strings_to_numbers": False})
    sheet = book.add_worksheet(title[:31] or "Sheet1")
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    sheet.write_row(0, 0, [neutralise(h) for h in header], bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(number, column, value, when)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                sheet.write_number(number, column, value)
            elif value is not None and value != "":
                sheet.write_string(number, column, neutralise(str(value)))
    sheet.set_column(0, len(header) - 1, 18)
    book.close()
    return buffer.getvalue()


def door_list(event: Event) -> list[tuple[str, str]]:
    """(name, organisation) of everyone registered on site, by name."""
    return db.session.execute(
        select(Registration.name, Registration.organisation).where(
            Registration.event_id == event.id, Registration.kind == RegistrationKind.ON_SITE,
            Registration.status == RegistrationStatus.REGISTERED,
            Registration.purged_at.is_(None))
        .order_by(Registration.name, Registration.id)).all()
