"""Reading events and their programme from YAML or JSON files.

The schema is documented in ``docs/event-format.md``. Errors name the field
and, where the file allows, its line: ``line 12: programme[1].starts_at: ...``.
Re-importing a slug updates that event (its programme and contacts are
replaced).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Contact, Event, PartOption, ProgrammePart, Series
from webapp.services.event_materials import assign_venue, file_places, sync_materials
from webapp.services.event_spec import (  # noqa: F401  (the schema, read by importers too)
    LANGUAGES,
    EventImportError,
    EventSpec,
    OptionSpec,
    PartSpec,
    SeriesSpec,
    order_problems,
    problems_of,
)

MAX_FILE_BYTES = 1024 * 1024


# --- reading files -----------------------------------------------------------


class _StringLoader(yaml.SafeLoader):
    """YAML loader that resolves only null: no sexagesimal ``10:00`` = 600,
    no ``no`` = False; pydantic turns the strings into the right types."""


_StringLoader.yaml_implicit_resolvers = {
    key: [(tag, regex) for tag, regex in resolvers if tag == "tag:yaml.org,2002:null"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_event_text(text: str, filename: str = "<input>") -> EventSpec:
    """Validate an event document (YAML or JSON by file name)."""
    is_json = filename.lower().endswith(".json")
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_StringLoader)
    except json.JSONDecodeError as error:
        raise EventImportError(f"line {error.lineno}: invalid JSON: {error.msg}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise EventImportError(f"{where}invalid YAML: {getattr(error, 'problem', error)}") from None
    if not isinstance(data, dict):
        raise EventImportError("line 1: the file must hold one event (a mapping of fields)")
    try:
        spec = EventSpec.model_validate(data)
    except ValidationError as error:
        raise EventImportError(_describe(problems_of(error), text)) from None
    problems = order_problems(spec)
    if problems:
        raise EventImportError(_describe(problems, text))
    return spec


def _describe(problems: list[tuple[tuple, str]], text: str) -> str:
    """One line per problem: ``line N: field.path: message``."""
    try:
        root = yaml.compose(text, Loader=_StringLoader)
    except yaml.YAMLError:
        root = None
    lines = []
    for loc, message in problems:
        loc = list(loc)
        line = _line_of(root, loc)
        lines.append(f"{f'line {line}: ' if line else ''}{_dotted(loc) or 'event'}: {message}")
    return "\n".join(lines)


def _dotted(loc: list) -> str:
    """``programme[1].starts_at`` from pydantic's location tuple."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"function-after", "function-before", "literal['']", "str"}:
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(node: Any, loc: list) -> int | None:
    """The 1-based line of the deepest node found along ``loc``."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key.start_mark.line + 1 if key else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return line


def load_event_file(path: str | Path) -> EventSpec:
    """Read and validate an event file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise EventImportError(f"cannot read {path}: {error.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise EventImportError(f"{path} is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise EventImportError(f"{path} is not UTF-8 text: {error}") from None
    return parse_event_text(text, path.name)


# --- writing the database ----------------------------------------------------


def import_event(spec: EventSpec, *, shift: timedelta | None = None) -> Event:
    """Create or update the event ``spec.slug``; programme, contacts and links are
    replaced (uploaded materials stay: see event_materials).

    ``shift`` moves every instant by whole days of wall-clock time in the
    event's timezone (used to bring the examples into the future).
    """
    zone = ZoneInfo(spec.timezone)

    def at(instant: datetime | None) -> datetime | None:
        if instant is None or shift is None:
            return instant
        local = instant.astimezone(zone).replace(tzinfo=None) + shift
        return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))

    event = db.session.scalar(select(Event).where(Event.slug == spec.slug)) or Event(slug=spec.slug)
    places = file_places(event)
    assign_event_fields(event, spec, at)
    event.status = spec.status
    event.parts = [build_part(index, p, at) for index, p in enumerate(spec.programme)]
    sync_materials(event, spec, places)
    db.session.add(event)
    db.session.flush()
    return event


def build_part(position: int, spec: PartSpec, at=lambda instant: instant) -> ProgrammePart:
    """A programme part (with its venue, and its options if it is a slot) from ``spec``;
    its materials are set by ``sync_materials``."""
    part = ProgrammePart(
        position=position, title=spec.title, starts_at=at(spec.starts_at),
        ends_at=at(spec.ends_at), description=spec.description, speakers=list(spec.speakers),
        streamed=spec.streamed, recording_url=spec.recording_url, audience=spec.audience,
        translations=spec.stored_translations,
        options=[build_option(index, o) for index, o in enumerate(spec.options)],
    )
    assign_venue(part, spec)
    return part


def build_option(position: int, spec: OptionSpec) -> PartOption:
    """One option of a slot from ``spec``."""
    option = PartOption(position=position)
    assign_option_fields(option, spec)
    return option


def assign_option_fields(option: PartOption, spec: OptionSpec) -> None:
    """Copy an option's fields from ``spec``."""
    option.label, option.title, option.description = spec.label, spec.title, spec.description
    option.language_note, option.room = spec.language_note, spec.room
    option.seat_limit, option.streamed = spec.seat_limit, spec.streamed
    option.translations = spec.stored_translations


def assign_event_fields(event: Event, spec: EventSpec, at=lambda instant: instant) -> None:
    """Copy the event's own fields and contacts from ``spec`` (not its status or
    programme); ``at`` may move each instant (see ``import_event``)."""
    event.title, event.summary, event.description = spec.title, spec.summary, spec.description
    event.language, event.timezone, event.venue = spec.language, spec.timezone, spec.venue
    event.translations, event.contact_email = spec.stored_translations, spec.contact_email
    event.starts_at, event.ends_at = at(spec.starts_at), at(spec.ends_at)
    event.registration_opens_at = at(spec.registration_opens_at)
    event.registration_closes_at = at(spec.registration_closes_at)
    event.recording_available_until = at(spec.recording_available_until)
    event.rsvp_closes_at = at(spec.rsvp_closes_at)
    event.stream_url, event.recording_url = spec.stream_url, spec.recording_url
    event.stream_embeddable = spec.stream_embeddable
    event.media_link_secret = spec.media_link_secret
    event.require_email_confirmation = spec.require_email_confirmation
    event.web_capacity, event.onsite_capacity = spec.web_capacity, spec.onsite_capacity
    event.onsite_signup, event.choices_close_at = spec.onsite_signup, at(spec.choices_close_at)
    event.series = _series(spec.series)
    contacts = [(c.name, c.role, c.phone, c.email) for c in spec.contacts]
    if contacts != [(c.name, c.role, c.phone, c.email) for c in event.contacts]:
        event.contacts = [Contact(position=index, name=name, role=role, phone=phone, email=email)
                          for index, (name, role, phone, email) in enumerate(contacts)]


def _series(spec: SeriesSpec | None) -> Series | None:
    """The series named by ``spec``, created or retitled."""
    if spec is None:
        return None
    series = db.session.scalar(select(Series).where(Series.slug == spec.slug))
    if series is None:
        series = Series(slug=spec.slug)
        db.session.add(series)
    series.title, series.description = spec.title, spec.description
    return series
