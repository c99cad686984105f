"""Arbitrary input to every form and token route, and to the event import:
never a 500, a clear 4xx, and the database unchanged."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import REFERENCE, SignUp
from webapp.extensions import db
from webapp.models import Event, OutboxMessage, Registration
from webapp.services.event_import import EventImportError, import_event, parse_event_text
from webapp.tokens import make_token

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFFF,
                                   exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "\x00", "\r\n", "a@b", "x" * 10_000, "<script>", "ä@ö.fi",
                     "anna@example.org", "y", "on", "true", "-1", "1e999"]),
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))  # repeated fields
fields = st.dictionaries(
    st.sampled_from(["name", "email", "organisation", "consent", "website", "started",
                     "csrf_token", "unknown", "name[]"]),
    value, max_size=8)


def counts() -> tuple[int, int, int]:
    db.session.rollback()
    return tuple(db.session.scalar(select(func.count(m.id)))
                 for m in (Registration, OutboxMessage, Event))


@pytest.fixture
def target(client, reference_event, travel, make_registration):
    """An open event, an existing registration, and real hidden fields to mix in."""
    travel("2021-11-10 12:00")
    registration = make_registration(reference_event, email="exists@example.org", name="E")
    hidden = SignUp(client, reference_event.slug).form_fields()
    return reference_event, registration, hidden


@SETTINGS
@given(data=fields, with_csrf=st.booleans(), with_started=st.booleans(), as_htmx=st.booleans())
def test_sign_up_with_arbitrary_fields(client, target, data, with_csrf, with_started, as_htmx):
    event, _registration, hidden = target
    before = counts()
    body = dict(data)
    if with_csrf:
        body["csrf_token"] = hidden["csrf_token"]
    if with_started:
        body["started"] = hidden["started"]
    headers = {"HX-Request": "true"} if as_htmx else {}
    for path in (f"/events/{event.slug}/register", f"/events/{event.slug}/register/validate"):
        response = client.post(path, data=body, headers=headers)
        assert response.status_code < 500, (path, body, response.status_code)
        if response.status_code >= 400:
            assert counts() == before
            assert response.get_data(as_text=True).strip(), "a message, never an empty error"
        elif response.status_code in (204, 303):
            assert counts()[0] == before[0] + 1, "only a valid sign-up adds a row"
            db.session.execute(Registration.__table__.delete().where(
                Registration.email != "exists@example.org"))
            db.session.execute(OutboxMessage.__table__.delete())
            db.session.commit()
            before = counts()


@SETTINGS
@given(body=st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode)),
       content_type=st.sampled_from(["application/x-www-form-urlencoded", "application/json",
                                     "multipart/form-data; boundary=x", "text/plain", ""]))
def test_sign_up_with_arbitrary_bodies(client, target, body, content_type):
    event, _registration, _hidden = target
    before = counts()
    response = client.post(f"/events/{event.slug}/register", data=body,
                           headers={"Content-Type": content_type} if content_type else {})
    assert 400 <= response.status_code < 500
    assert counts() == before


@SETTINGS
@given(token=st.one_of(text, st.binary(max_size=80).map(lambda b: b.hex())), data=fields)
def test_token_routes_with_arbitrary_tokens(client, target, token, data):
    _event, registration, hidden = target
    before = counts()
    quoted = quote(token, safe="") or "x"
    gets = [f"/p/{quoted}", f"/p/{quoted}/calendar.ics", f"/p/{quoted}/cancel",
            f"/p/{quoted}/delete",
            f"/watch/{quoted}", f"/watch/{quoted}/recording/1", f"/confirm/{quoted}"]
    for path in gets:
        response = client.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    body = {**data, "csrf_token": hidden["csrf_token"]}
    for path in (f"/p/{quoted}/cancel", f"/p/{quoted}/delete", f"/confirm/{quoted}"):
        response = client.post(path, data=body)
        assert 400 <= response.status_code < 500, (path, response.status_code)
    assert counts() == before
    assert db.session.get(Registration, registration.id).is_active


@SETTINGS
@given(data=fields)
def test_valid_token_routes_with_arbitrary_form_data(client, target, data):
    """A valid link with junk posted: a CSRF refusal, never a 500."""
    _event, registration, _hidden = target
    before = counts()
    token = make_token("participant", registration)
    for path in (f"/p/{token}/cancel", f"/p/{token}/delete"):
        response = client.post(path, data=data)
        assert response.status_code == 400
    assert counts() == before


json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(max_size=10), children, max_size=3)),
    max_leaves=6)
REFERENCE_DATA = yaml.safe_load(REFERENCE.read_text())
FIELDS = sorted(REFERENCE_DATA)


@SETTINGS
@given(changes=st.dictionaries(st.sampled_from(FIELDS + ["extra"]), json_value, max_size=4),
       part_changes=st.dictionaries(st.sampled_from(["title", "starts_at", "ends_at", "streamed",
                                                     "audience", "speakers", "x"]),
                                    json_value, max_size=3),
       as_yaml=st.booleans())
def test_event_import_with_arbitrary_values(app, changes, part_changes, as_yaml):
    data = json.loads(json.dumps(REFERENCE_DATA, default=str))
    data.update(changes)
    if (isinstance(data.get("programme"), list) and data["programme"]
            and isinstance(data["programme"][0], dict)):
        data["programme"][0].update(part_changes)
    document = yaml.safe_dump(data, allow_unicode=True) if as_yaml else json.dumps(data)
    before = counts()
    try:
        spec = parse_event_text(document, "event.yaml" if as_yaml else "event.json")
    except EventImportError as error:
        assert str(error).strip()
        assert counts() == before
        return
    import_event(spec)  # whatever validates must fit the database
    db.session.rollback()


@SETTINGS
@given(document=st.one_of(st.text(max_size=500),
                          st.binary(max_size=300).map(lambda b: b.decode("latin-1"))))
def test_event_import_of_arbitrary_text(document):
    for name in ("x.yaml", "x.json"):
        try:
            parse_event_text(document, name)
        except EventImportError as error:
            assert str(error).strip()


@pytest.mark.parametrize(("field", "bad"), [
    ("summary", "a\x00b"), ("title", "x\x07"), ("venue", "v" * 301),
    ("contacts", [{"name": "n" * 201}]),
    ("programme", [{"title": "t", "starts_at": "10:00", "ends_at": "11:00", "speakers": ["\x00"]}]),
])
def test_event_import_refuses_what_the_database_would(field, bad):
    data = json.loads(json.dumps(REFERENCE_DATA, default=str))
    data[field] = bad
    with pytest.raises(EventImportError) as caught:
        parse_event_text(json.dumps(data), "x.json")
    assert field in str(caught.value)
