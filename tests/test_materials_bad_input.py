"""Arbitrary input to the publications search, the order form and the material routes:
never a 500, a clear 4xx, and nothing written."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import ROOT, csrf_of, extract
from tests.test_materials import multipart
from webapp.extensions import db
from webapp.models import Material, OutboxMessage
from webapp.services.event_import import import_event, load_event_file

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x2FFFF,
                                   exclude_categories=("Cs",)), max_size=300),
    st.sampled_from(["", " ", "\x00", "a\x00b", "%", "_", "\\", "x" * 5_000, "<script>",
                     "-1", "0", "2016", "99999999999", "1e999", "report", "manual"]),
)


@pytest.fixture
def orderable(client):
    import_event(load_event_file(
        ROOT / "examples" / "national-conference-trafficking-2024.yaml"))
    db.session.commit()
    return db.session.scalars(select(Material).where(Material.orderable)).first()


@SETTINGS
@given(q=text, type=text, year=text, as_htmx=st.booleans())
def test_any_search_answers_200_or_422(client, orderable, q, type, year, as_htmx):
    response = client.get("/publications?" + urlencode({"q": q, "type": type, "year": year}),
                          headers={"HX-Request": "true"} if as_htmx else {})
    assert response.status_code in {200, 422}


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(["name", "organisation", "address", "copies",
                                             "email", "website", "unknown"]), text,
                            max_size=7))
def test_any_order_is_refused_cleanly_or_sent(client, orderable, data):
    url = f"/publications/{orderable.id}/order"
    html = client.get(url).get_data(as_text=True)
    body = {"csrf_token": extract(r'name="csrf_token" type="hidden" value="([^"]+)"', html),
            "started": extract(r'name="started" type="hidden" value="([^"]*)"', html), **data}
    before = db.session.scalar(select(func.count(OutboxMessage.id)))
    response = client.post(url, data=body)
    db.session.rollback()
    after = db.session.scalar(select(func.count(OutboxMessage.id)))
    assert response.status_code in {303, 400, 413, 422}
    assert after == before + (2 if response.status_code == 303 else 0)


@pytest.mark.parametrize("url", [
    "/publications/99999999999", "/publications/0", "/materials/99999999999/x.pdf",
    "/publications/99999999999/order", "/p/x/materials/99999999999",
    "/watch/x/materials/1", "/materials/1/x.pdf",
])
def test_unknown_or_huge_ids_are_404(client, url):
    assert client.get(url).status_code == 404


def test_a_search_with_a_nul_is_named_at_its_field(client, orderable):
    response = client.get("/publications?q=a%00b")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "printable characters" in html.split('id="q-error"', 1)[1][:100]


@pytest.fixture
def editor(coordinator_client, make_event):
    """A signed-in coordinator's client and their event's materials page."""
    event = make_event()
    return coordinator_client(events=[event]), f"/manage/events/{event.id}/materials"


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(["title", "url", "authors", "year", "language",
                                             "type", "summary", "part", "access", "orderable"]),
                            text, max_size=10))
def test_any_link_is_added_or_refused_cleanly(editor, data):
    client, url = editor
    before = db.session.scalar(select(func.count(Material.id)))
    body = {"csrf_token": csrf_of(client, url), **{f"link-{k}": v for k, v in data.items()}}
    response = client.post(f"{url}/link", data=body)
    db.session.rollback()
    after = db.session.scalar(select(func.count(Material.id)))
    assert response.status_code in {303, 413, 422}
    assert after == before + (1 if response.status_code == 303 else 0)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=3000), st.sampled_from([
    b"%PDF", b"%PDF-", b"PK\x03\x04", b"PK\x03\x04" + bytes(100),
    bytes.fromhex("D0CF11E0A1B11AE1") + bytes(600)])), name=text)
def test_any_file_is_added_or_refused_cleanly(editor, data, name):
    client, url = editor
    before = db.session.scalar(select(func.count(Material.id)))
    response = multipart(client, f"{url}/file", {
        "csrf_token": csrf_of(client, url), "file-title": "A file", "file-type": "other",
        "file-access": "public", "file-part": "", "file-language": ""},
        {"file-file": (data, name)})
    db.session.rollback()
    after = db.session.scalar(select(func.count(Material.id)))
    assert response.status_code in {303, 422}, response.status_code
    assert after == before + (1 if response.status_code == 303 else 0)
    if response.status_code == 303:
        assert data.startswith(b"%PDF-"), "nothing else random is a file we take"
