"""The attendance report of an event: per part who watched live and who watched the
recording, totals, the links flagged as shared; and the same as CSV."""

from __future__ import annotations

from flask import abort, request

from webapp.db import transactional
from webapp.forms.registration_admin import ActionForm
from webapp.htmx import render
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.manage.exports import download
from webapp.models import ViewMode
from webapp.services.audit import record_action
from webapp.services.exports import SEPARATORS, attendance_header, attendance_values, to_csv
from webapp.services.reports import (
    attendance_page,
    attendance_rows,
    attendance_totals,
    flagged_links,
)
from webapp.urls import page_number


@bp.get("/events/<int:event_id>/attendance")
def attendance(event_id: int):
    """Totals per part, the viewers of one part (live, recording or both), flagged links."""
    event = event_or_404(event_id)
    totals = attendance_totals(event)
    part = _chosen_part(event, totals)
    mode = request.args.get("mode", "")
    mode = mode if mode in ("live", "recording") else ""
    number = page_number(request.args.get("page"))
    listing = attendance_page(event, part, ViewMode(mode) if mode else None,
                              number) if part else None
    return render("manage/attendance/_viewers.html", "manage/attendance/index.html",
                  event=event, totals=totals, part=part, mode=mode, listing=listing,
                  flagged=flagged_links(event), form=ActionForm(formdata=None))


def _chosen_part(event, totals):
    """The part asked for (``part``), else the first in the totals; 404 for another's."""
    wanted = request.args.get("part", "")
    if not wanted:
        return totals[0].part if totals else None
    part = next((p for p in event.parts if str(p.id) == wanted), None)
    if part is None:
        abort(404)
    return part


@bp.get("/events/<int:event_id>/attendance.csv")
@transactional
def attendance_csv(event_id: int):
    """Every viewer of every part, for a spreadsheet."""
    event = event_or_404(event_id)
    separator = SEPARATORS.get(request.args.get("separator", ""), ";")
    record_action("attendance.export", event=event, note="csv")
    text = to_csv(attendance_header(event),
                  attendance_values(event, attendance_rows(event)), separator)
    return download(text.encode("utf-8"), "text/csv; charset=utf-8",
                    f"{event.slug}-attendance.csv")
