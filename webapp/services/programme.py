"""Coordinators' changes to an event's programme: add, edit, reorder, remove parts.

A part's times are entered in the event's zone. A part must lie within the event,
end after it starts, and not overlap another part, unless the two share their exact
times (parallel seminars of one slot). Every change raises the event's revision (the
parts are EventContent), so pages and emails not yet sent show it at once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from pydantic import ValidationError

from webapp.extensions import db
from webapp.mail.outbox import notify_programme_changed
from webapp.models import Event, ProgrammePart
from webapp.services import DomainError
from webapp.services.audit import changes_between, record_action, snapshot
from webapp.services.event_editing import InvalidEvent
from webapp.services.event_materials import assign_venue
from webapp.services.event_spec import PartSpec, problems_of, to_utc

PART_FIELDS = ("title", "starts_at", "ends_at", "description", "translations", "speakers",
               "streamed", "audience", "recording_url", "position", "venue", "venue_address",
               "venue_city", "venue_map_url")


def check_part(event: Event, document: dict, part: ProgrammePart | None = None) -> PartSpec:
    """The part as a valid PartSpec with UTC times, or InvalidEvent naming each field."""
    try:
        spec = PartSpec.model_validate(document)
    except ValidationError as error:
        raise InvalidEvent(dict(problems_of(error))) from None
    day = event.starts_at.astimezone(event.zone).date()
    spec.starts_at = to_utc(spec.starts_at, event.zone, day=day)
    spec.ends_at = to_utc(spec.ends_at, event.zone, day=day, end_of_day=True)
    problems = _time_problems(event, spec.starts_at, spec.ends_at, part)
    if part is not None and not spec.streamed and any(o.streamed for o in part.options):
        problems[("streamed",)] = _("Some of this slot's options are streamed: unmark them "
                                    "first (on its Options page).")
    if problems:
        raise InvalidEvent(problems)
    return spec


def _time_problems(event: Event, starts: datetime, ends: datetime,
                   part: ProgrammePart | None) -> dict[tuple, str]:
    """Within the event, in order, and overlapping no other part (but its own slot's)."""
    if ends <= starts:
        return {("ends_at",): _("The part must end after it starts.")}
    if starts < event.starts_at or ends > event.ends_at:
        field = "starts_at" if starts < event.starts_at else "ends_at"
        return {(field,): _("The part must lie within the event (%(range)s).",
                            range=_event_range(event))}
    for other in event.parts:
        same_slot = (other.starts_at, other.ends_at) == (starts, ends)
        if (other is not part and not same_slot
                and other.starts_at < ends and starts < other.ends_at):
            return {("starts_at",): _("This overlaps “%(title)s”. Parts of one slot (parallel "
                                      "seminars) share their exact times.", title=other.title)}
    return {}


def _event_range(event: Event) -> str:
    from webapp.timefmt import long_datetime

    return (f"{long_datetime(event.starts_at, event.zone)} – "
            f"{long_datetime(event.ends_at, event.zone)}")


def add_part(event: Event, spec: PartSpec) -> ProgrammePart:
    """A new part at its place in time order."""
    part = ProgrammePart(event=event, position=len(event.parts))
    _assign(part, spec)
    db.session.add(part)
    _renumber(event, by_time=part)
    db.session.flush()
    record_action("part.add", event=event, target=f"part {part.id}",
                  changes=changes_between({}, snapshot(part, PART_FIELDS)))
    return part


def update_part(part: ProgrammePart, spec: PartSpec, *, notify: bool = False) -> int:
    """Change a part; if its time changed and ``notify``, everyone registered who follows
    it gets an email with the old and new times. Returns how many emails were queued."""
    event = part.event
    before = snapshot(part, PART_FIELDS)
    old_times = (part.starts_at, part.ends_at)
    _assign(part, spec)
    db.session.flush()
    changes = changes_between(before, snapshot(part, PART_FIELDS))
    queued = 0
    if notify and old_times != (part.starts_at, part.ends_at) and event.status.value == "published":
        queued = notify_programme_changed(event, part, *old_times)
    if changes:
        record_action("part.update", event=event, target=f"part {part.id}", changes=changes,
                      note=_("%(count)d participants told", count=queued) if queued else "")
    return queued


def move_part(part: ProgrammePart, offset: int) -> None:
    """Move a part ``offset`` places up (negative) or down in the programme."""
    moved = reorder(list(part.event.parts), part, offset)
    if moved:
        record_action("part.move", event=part.event, target=f"part {part.id}",
                      changes={"position": list(moved)})


def reorder(items: list, item, offset: int) -> tuple[int, int] | None:
    """Move ``item`` ``offset`` places within ``items`` (kept within the ends), renumber
    their ``position`` from 0 and flush; (old index, new index), or None if it stays."""
    index = items.index(item)
    target = min(max(index + offset, 0), len(items) - 1)
    if target == index:
        return None
    items.insert(target, items.pop(index))
    for position, each in enumerate(items):
        each.position = position
    db.session.flush()
    return index, target


def remove_part(part: ProgrammePart) -> None:
    """Remove a part from the programme."""
    event = part.event
    if len(event.parts) == 1 and event.status.value != "draft":
        raise DomainError(_("A published event keeps at least one programme part."))
    record_action("part.remove", event=event, target=f"part {part.id}",
                  changes=changes_between(snapshot(part, PART_FIELDS), {}))
    event.parts.remove(part)
    for position, each in enumerate(event.parts):
        each.position = position
    db.session.flush()


def _assign(part: ProgrammePart, spec: PartSpec) -> None:
    part.title, part.description = spec.title, spec.description
    part.starts_at, part.ends_at = spec.starts_at, spec.ends_at
    part.speakers, part.streamed = list(spec.speakers), spec.streamed
    part.audience, part.recording_url = spec.audience, spec.recording_url
    part.translations = spec.stored_translations
    assign_venue(part, spec)


def _renumber(event: Event, by_time: ProgrammePart) -> None:
    """Put a new part after the last part that starts no later than it."""
    parts = [p for p in event.parts if p is not by_time]
    index = sum(1 for p in parts if p.starts_at <= by_time.starts_at)
    parts.insert(index, by_time)
    for position, each in enumerate(parts):
        each.position = position
