"""Registrations as files: CSV for Excel, XLSX, and the printable door list."""

from __future__ import annotations

from flask import make_response, render_template, request

from webapp.db import transactional
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.services.audit import record_action
from webapp.services.exports import (
    SEPARATORS,
    registration_header,
    registration_rows,
    to_csv,
    to_xlsx,
)
from webapp.services.exports import (
    door_list as door_list_rows,
)
from webapp.services.registration_admin import Filters


def download(body, content_type: str, filename: str):
    """A file to save, never shown inline."""
    response = make_response(body)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/events/<int:event_id>/registrations.csv")
@transactional
def registrations_csv(event_id: int):
    """The table's rows (its filters and order) as CSV; ``;`` unless ``separator=comma``."""
    event = event_or_404(event_id)
    filters = Filters.from_args(request.args)
    separator = SEPARATORS.get(request.args.get("separator", ""), ";")
    record_action("registrations.export", event=event, note="csv")
    text = to_csv(registration_header(event), registration_rows(event, filters), separator)
    return download(text.encode("utf-8"), "text/csv; charset=utf-8",
                    f"{event.slug}-registrations.csv")


@bp.get("/events/<int:event_id>/registrations.xlsx")
@transactional
def registrations_xlsx(event_id: int):
    """The table's rows as an Excel workbook."""
    event = event_or_404(event_id)
    filters = Filters.from_args(request.args)
    record_action("registrations.export", event=event, note="xlsx")
    body = to_xlsx(event.slug, registration_header(event), registration_rows(event, filters))
    return download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    f"{event.slug}-registrations.xlsx")


@bp.get("/events/<int:event_id>/door-list")
def door_list(event_id: int):
    """Everyone registered on site, by name, to tick at the door (prints on paper)."""
    event = event_or_404(event_id)
    return render_template("manage/registrations/door_list.html", event=event,
                           rows=door_list_rows(event))
