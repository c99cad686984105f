"""An event's materials and part venues as the event format carries them.

An event file carries its materials as links (``materials:`` of the event and of each
part); uploaded files are not in files. Importing a slug again sets the event's links
to the file's, updating the rows in place (their ids, and so the addresses emails
gave out, stay) and keeps every uploaded file, on the part at the same place in the
new programme.
"""

from __future__ import annotations

from webapp.models import Event, Material, ProgrammePart
from webapp.services.event_spec import EventSpec, MaterialFields, PartSpec

MATERIAL_FIELDS = ("title", "authors", "year", "language", "type", "summary", "access",
                   "orderable")


def assign_material(material: Material, spec: MaterialFields) -> None:
    """Copy a material's description from ``spec`` (not its link or file)."""
    for field in MATERIAL_FIELDS:
        setattr(material, field, getattr(spec, field))


def assign_venue(part: ProgrammePart, spec: PartSpec) -> None:
    """The part's own venue from ``spec`` (none: the event's)."""
    venue = spec.venue
    part.venue = venue.name if venue else ""
    part.venue_address = venue.address if venue else ""
    part.venue_city = venue.city if venue else ""
    part.venue_map_url = venue.map_url if venue else None


def file_places(event: Event) -> dict[Material, int]:
    """Where each uploaded file hangs in the programme (its part's position), read
    before the programme is replaced."""
    return {m: m.part.position for m in event.materials if m.is_file and m.part is not None}


def sync_materials(event: Event, spec: EventSpec, places: dict[Material, int]) -> None:
    """The event's links become the file's (rows updated in place, extra ones removed);
    uploaded files stay, on the part now at their old part's place."""
    wanted = [(None, m) for m in spec.materials] + [
        (index, m) for index, part in enumerate(spec.programme) for m in part.materials]
    links = [m for m in event.materials if not m.is_file]
    files = [m for m in event.materials if m.is_file]
    kept = []
    for position, (part_index, material_spec) in enumerate(wanted):
        material = links[position] if position < len(links) else Material()
        assign_material(material, material_spec)
        material.url, material.position = material_spec.url, position
        material.part = event.parts[part_index] if part_index is not None else None
        kept.append(material)
    for offset, material in enumerate(files):
        place = places.get(material)
        material.part = event.parts[place] if place is not None and place < len(
            event.parts) else None
        material.position = len(wanted) + offset
    event.materials = kept + files


def material_document(material: Material) -> dict:
    """A link material as the event format writes it."""
    data: dict = {"title": material.title}
    for field in ("authors", "year", "language", "summary"):
        if getattr(material, field):
            data[field] = getattr(material, field)
    data["type"] = material.type.value
    data["access"] = material.access.value
    if material.orderable:
        data["orderable"] = True
    data["url"] = material.url
    return data


def venue_document(part: ProgrammePart) -> str | dict | None:
    """A part's own venue as the event format writes it: the name alone when that is all."""
    venue = part.own_venue
    if venue is None:
        return None
    if not (venue.address or venue.city or venue.map_url):
        return venue.name
    data = {"name": venue.name, "address": venue.address, "city": venue.city,
            "map_url": venue.map_url}
    return {key: value for key, value in data.items() if value}


def copy_materials(source: Event, copy: Event) -> list[tuple[Material, int]]:
    """Copies of ``source``'s materials for ``copy`` (its parts already made, in the same
    order); returns (new material, old id) pairs of uploaded files, whose bytes the
    caller copies once the new rows have ids."""
    parts = {old.id: new for old, new in zip(source.parts, copy.parts, strict=True)}
    files = []
    for material in source.materials:
        new = Material(url=material.url, position=material.position,
                       part=parts.get(material.part_id), filename=material.filename,
                       content_type=material.content_type, size=material.size,
                       sha256=material.sha256)
        for field in MATERIAL_FIELDS:
            setattr(new, field, getattr(material, field))
        copy.materials.append(new)
        if material.is_file:
            files.append((new, material.id))
    return files

