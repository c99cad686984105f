"""The rules the watch page's fast path stands on (webapp/watch_fastpath.py), as tests
that fail when a rule is broken."""

from __future__ import annotations

import pytest
from sqlalchemy import String, Text, inspect, select
from sqlalchemy.orm.exc import DetachedInstanceError

from webapp import watch_fastpath
from webapp.extensions import db
from webapp.models import (
    NOT_EVENT_CONTENT,
    Event,
    EventContent,
    PartOption,
    RegistrationStatus,
)
from webapp.tokens import make_token


def _refers_to_events(table, seen: frozenset = frozenset()) -> bool:
    """``table`` has a foreign key to ``events``, directly or through other tables."""
    for key in table.foreign_keys:
        target = key.column.table
        if target.name == "events":
            return True
        if target.name not in seen and _refers_to_events(target, seen | {table.name}):
            return True
    return False


def _mapped_classes():
    return [mapper.class_ for mapper in db.Model.registry.mappers]


def _event_tables():
    """Every mapped class whose table refers to an event (found from the mappers)."""
    return [cls for cls in _mapped_classes()
            if cls.__table__.name != "events" and _refers_to_events(cls.__table__)]


def test_every_table_that_refers_to_an_event_is_its_content_or_says_why_not():
    found = _event_tables()
    assert {cls.__table__.name for cls in found} >= {"programme_parts", "contacts",
                                                    "registrations"}
    for cls in found:
        assert issubclass(cls, EventContent) or cls.__table__.name in NOT_EVENT_CONTENT, (
            f"{cls.__name__} refers to an event: make it EventContent (its changes raise the "
            f"event's revision) or list {cls.__table__.name!r} in models.NOT_EVENT_CONTENT")
    assert not set(NOT_EVENT_CONTENT) - {cls.__table__.name for cls in found}, "stale entries"


def _text_column(cls):
    """A plain text column of ``cls`` that no key uses."""
    for column in cls.__table__.columns:
        if (isinstance(column.type, (String, Text)) and not column.foreign_keys
                and not column.primary_key and not column.unique):
            return column.key
    raise AssertionError(f"{cls.__name__} has no text column to change")


def _revision(event_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Event, event_id).revision


@pytest.mark.parametrize("cls", [c for c in _mapped_classes() if issubclass(c, EventContent)],
                         ids=lambda c: c.__name__)
def test_adding_changing_or_deleting_event_content_raises_the_revision(cls, reference_event):
    if cls is PartOption:  # the reference event has no slot: Part II gets one option
        reference_event.parts[1].options.append(PartOption(title="Workshop A"))
        db.session.commit()
    row = db.session.scalars(select(cls).limit(1)).first()
    assert row is not None, f"the reference event has no {cls.__name__}: give it one"
    event_id = row.owning_event.id
    before = _revision(event_id)

    row = db.session.scalars(select(cls).limit(1)).one()
    column = _text_column(cls)
    setattr(row, column, (getattr(row, column) or "") + " (edited)")
    db.session.commit()
    changed = _revision(event_id)
    assert changed > before, f"changing a {cls.__name__} left the revision"

    row = db.session.scalars(select(cls).limit(1)).one()
    values = {c.key: getattr(row, c.key) for c in cls.__table__.columns if not c.primary_key}
    db.session.add(cls(**values))
    db.session.commit()
    added = _revision(event_id)
    assert added > changed, f"adding a {cls.__name__} left the revision"

    db.session.delete(db.session.scalars(select(cls).limit(1)).one())
    db.session.commit()
    assert _revision(event_id) > added, f"deleting a {cls.__name__} left the revision"


def test_two_participants_served_from_one_cached_page_each_get_only_their_own(
        client, reference_event, make_registration, travel):
    anna = make_registration(reference_event, name="Anna Secret", email="anna@example.org")
    erik = make_registration(reference_event, name="Erik Secret", email="erik@example.org")
    anna_token, erik_token = make_token("watch", anna), make_token("watch", erik)
    travel("2021-11-18 09:00")
    for headers in ({}, {"HX-Request": "true"}):
        first = client.get(f"/watch/{anna_token}", headers=headers).get_data(as_text=True)
        cached = dict(watch_fastpath._page_cache)
        second = client.get(f"/watch/{erik_token}", headers=headers).get_data(as_text=True)
        assert watch_fastpath._page_cache == cached, "the second page came from the cache"
        assert anna_token in first and erik_token not in first
        assert erik_token in second and anna_token not in second
        assert first.replace(anna_token, "T") == second.replace(erik_token, "T")
        for page in (first, second):
            assert "csrf" not in page.lower()
            assert "Secret" not in page and "@example.org" not in page


def test_the_cached_event_is_detached_with_only_parts_contacts_and_materials(
        reference_event, make_registration):
    registration = make_registration(reference_event)
    _viewer, event = watch_fastpath.load_for_watch(registration.id)
    state = inspect(event)
    assert state.detached
    assert not {"parts", "contacts", "materials"} & state.unloaded
    with pytest.raises(DetachedInstanceError):
        event.series  # anything else fails loudly rather than showing stale data


def test_the_viewer_read_below_the_orm_gives_what_the_orm_gives(reference_event,
                                                               make_registration):
    registration = make_registration(reference_event, status="pending")
    raw = watch_fastpath.read_viewer_row(registration.id)
    orm = db.session.execute(watch_fastpath._VIEWER_QUERY,
                             {"registration_id": registration.id}).one()
    assert raw[:3] == tuple(orm[:3])
    assert RegistrationStatus(raw[3]) is orm[3] is RegistrationStatus.PENDING
    assert bool(raw[4]) is orm[4] is False
    assert raw[5] == orm[5] == reference_event.revision
    assert watch_fastpath.read_viewer_row(registration.id + 1000) is None
