"""Coordinators' changes to a slot's options: add, edit, reorder, remove.

An option is checked by the event format's own schema (``OptionSpec``), so it is valid
the same way in a file and in the editor. Options are EventContent: every change
raises the event's revision. A seat limit raised (or lifted) frees seats: the option's
waiting list is offered them in the same transaction.
"""

from __future__ import annotations

from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import OptionChoice, PartOption, ProgrammePart
from webapp.services.audit import changes_between, record_action, snapshot
from webapp.services.event_editing import InvalidEvent
from webapp.services.event_import import assign_option_fields
from webapp.services.event_spec import OptionSpec, problems_of
from webapp.services.options import seats_freed
from webapp.services.programme import reorder

OPTION_FIELDS = ("label", "title", "description", "language_note", "room", "seat_limit",
                 "streamed", "translations", "position")


def check_option(part: ProgrammePart, document: dict) -> OptionSpec:
    """The option as a valid OptionSpec, or InvalidEvent naming each field."""
    try:
        spec = OptionSpec.model_validate(document)
    except ValidationError as error:
        raise InvalidEvent(dict(problems_of(error))) from None
    if spec.streamed and not part.streamed:
        raise InvalidEvent({("streamed",): _("Only a streamed part has streamed options: mark "
                                             "the part as streamed first.")})
    return spec


def add_option(part: ProgrammePart, spec: OptionSpec) -> PartOption:
    """A new option at the end of the slot (a part with options is a slot)."""
    option = PartOption(part=part, position=len(part.options))
    assign_option_fields(option, spec)
    db.session.add(option)
    db.session.flush()
    record_action("option.add", event=part.event, target=f"option {option.id}",
                  changes=changes_between({}, snapshot(option, OPTION_FIELDS)),
                  note=f"part {part.id}")
    return option


def update_option(option: PartOption, spec: OptionSpec) -> dict:
    """Change an option; a raised seat limit offers the new seats to its waiting list."""
    before = snapshot(option, OPTION_FIELDS)
    old_limit = option.seat_limit
    assign_option_fields(option, spec)
    db.session.flush()
    changes = changes_between(before, snapshot(option, OPTION_FIELDS))
    if changes:
        record_action("option.update", event=option.part.event, target=f"option {option.id}",
                      changes=changes)
    if old_limit is not None and (option.seat_limit is None or option.seat_limit > old_limit):
        seats_freed(option.part.event, [option])
    return changes


def move_option(option: PartOption, offset: int) -> None:
    """One place up (negative) or down in its slot."""
    moved = reorder(list(option.part.options), option, offset)
    if moved:
        record_action("option.move", event=option.part.event, target=f"option {option.id}",
                      changes={"position": list(moved)})


def remove_option(option: PartOption) -> int:
    """Remove an option; the choices of it go with it (those participants choose again
    on their page). Returns how many choices went."""
    part = option.part
    chosen = db.session.scalar(select(func.count(OptionChoice.id)).where(
        OptionChoice.option_id == option.id)) or 0
    record_action("option.remove", event=part.event, target=f"option {option.id}",
                  changes=changes_between(snapshot(option, OPTION_FIELDS), {}),
                  note=_("%(count)d choices removed", count=chosen) if chosen else "")
    part.options.remove(option)
    for position, each in enumerate(part.options):
        each.position = position
    db.session.flush()
    return chosen
