"""Materials through HTTP: coordinators upload, refuse bad files, edit and delete; files
are served with the right headers; registered-only ones open through a participant's
own link until the recording expires."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.conftest import csrf_of, text_of
from tests.material_files import (
    DOC,
    DOCX,
    HTML,
    ODG,
    ODP,
    PDF,
    PLAIN_ZIP,
    PPT,
    PPTM,
    PPTX,
    XLS,
    attach_file,
)
from webapp.extensions import db
from webapp.filetypes import detect
from webapp.models import AuditEntry, Event, Material, MaterialFile
from webapp.tokens import make_token

FIELDS = {"title": "Läget 2024", "authors": "Polismyndigheten/Noa", "year": "2024",
          "type": "report", "language": "sv", "summary": "Lägesrapport.", "access": "public",
          "part": ""}


def multipart(client, url: str, fields: dict, files: dict, headers=None):
    """POST a multipart form encoded in memory (the test client would spool a large body
    to a temporary file it never closes)."""
    values = MultiDict(fields)
    for name, (data, filename) in files.items():
        values.add(name, FileStorage(BytesIO(data), filename=filename,
                                     content_type="application/octet-stream"))
    boundary, body = encode_multipart(values)
    return client.post(url, data=body, headers=headers or {},
                       content_type=f"multipart/form-data; boundary={boundary}")


def upload(client, event, data: bytes, name: str, headers=None, **fields):
    """POST the "add a file" form as a browser would."""
    url = f"/manage/events/{event.id}/materials"
    body = {f"file-{k}": v for k, v in {**FIELDS, **fields}.items()}
    body["csrf_token"] = csrf_of(client, url)
    return multipart(client, f"{url}/file", body, {"file-file": (data, name)}, headers)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("data, extension", [
    (PDF, "pdf"), (PPTX, "pptx"), (DOCX, "docx"), (ODP, "odp"), (PPT, "ppt"), (DOC, "doc"),
    (PPTM, None), (ODG, None), (PLAIN_ZIP, None), (HTML, None), (XLS, None), (b"", None),
    (b"PK\x03\x04 not a zip at all", None), (bytes.fromhex("D0CF11E0A1B11AE1") * 3, None)])
def test_a_file_type_is_read_from_its_content(data, extension):
    found = detect(data)
    assert (found.extension if found else None) == extension


def test_a_coordinator_uploads_a_pdf_and_anyone_downloads_it(coordinator_client, make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    response = upload(client, event, PDF, "/home/anna/Rapport för 2024.pdf")
    assert response.status_code == 303
    material = db.session.scalars(select(Material).where(Material.url.is_(None))).one()
    assert (material.filename, material.content_type, material.size) == (
        "Rapport för 2024.pdf", "application/pdf", len(PDF))
    assert db.session.get(MaterialFile, material.id).data == PDF
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == \
        "material.add"
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    href = f"/materials/{material.id}/Rapport%20f%C3%B6r%202024.pdf"
    assert href in page

    public = db.session.get(Material, material.id)
    download = client.get(href)
    assert download.status_code == 200 and download.data == PDF
    headers = download.headers
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == (
        "attachment; filename=\"Rapport for 2024.pdf\"; "
        "filename*=UTF-8''Rapport%20f%C3%B6r%202024.pdf")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert headers["ETag"] == f'"{public.sha256}"' and headers["Last-Modified"]


def test_a_conditional_get_answers_304_without_reading_the_bytes(app, make_event, client):
    material = attach_file(make_event())
    url = f"/materials/{material.id}/{material.filename}"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa_event.listen(engine, "before_cursor_execute", seen)
    try:
        again = client.get(url, headers={"If-None-Match": etag})
        since = client.get(url, headers={"If-Modified-Since": modified})
    finally:
        sa_event.remove(engine, "before_cursor_execute", seen)
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert since.status_code == 304
    assert not [s for s in statements if "material_files" in s], statements


@pytest.mark.parametrize("data, name, message", [
    (HTML, "report.pdf", "not a PDF, a presentation"),
    (PLAIN_ZIP, "slides.pptx", "not a PDF, a presentation"),
    (PPTM, "slides.pptx", "not a PDF, a presentation"),
    (b"", "empty.pdf", "The file is empty."),
])
def test_a_bad_file_is_refused_at_its_field_and_nothing_is_written(
        coordinator_client, make_event, data, name, message):
    event = make_event()
    client = coordinator_client(events=[event])
    response = upload(client, event, data, name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html.split('id="file-file-error"', 1)[1].split("</span>", 1)[0]
    assert message in error
    assert 'aria-invalid="true"' in html.split('id="file-file"', 1)[1][:400] or \
        'aria-invalid="true"' in html
    assert count(Material) == 1 and count(MaterialFile) == 0, "only the example's link"


def test_a_file_over_the_limit_is_refused_whether_read_or_not(app, coordinator_client,
                                                              make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    app.config["MATERIAL_MAX_MB"] = 1
    try:
        just_over = upload(client, event, PDF + bytes(1024 * 1024), "big.pdf")
        far_over = upload(client, event, PDF + bytes(3 * 1024 * 1024), "huge.pdf")
        htmx = upload(client, event, PDF + bytes(3 * 1024 * 1024), "huge.pdf",
                      headers={"HX-Request": "true"})
    finally:
        app.config["MATERIAL_MAX_MB"] = 25
    assert just_over.status_code == 422
    assert "The file is larger than 1 MB" in text_of(just_over.get_data(as_text=True))
    assert far_over.status_code == 413
    page = far_over.get_data(as_text=True)
    assert "The file is larger than 1 MB" in page.split('id="file-file-error"', 1)[1][:200]
    assert "<h1>Materials</h1>" in page, "the editor again, not a bare error page"
    assert htmx.status_code == 413 and 'id="materials-editor"' in htmx.get_data(as_text=True)
    fragment = htmx.get_data(as_text=True)
    assert "<h1>" not in fragment, "the editor alone, for htmx"
    first_notice = fragment.split('class="notice', 1)[1].split("</p>", 1)[0]
    assert "The file is larger than 1 MB" in first_notice, "what the page script shows"
    assert count(MaterialFile) == 0


def test_other_routes_still_refuse_large_bodies(coordinator_client, make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/materials"
    response = client.post(f"{url}/link", data={"csrf_token": csrf_of(client, url),
                                                "link-title": "x" * 100_000})
    assert response.status_code == 413


def test_a_coordinator_adds_edits_and_deletes_a_link(coordinator_client, make_event):
    event = make_event()
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}/materials"
    refused = client.post(f"{url}/link", data={
        "csrf_token": csrf_of(client, url), "link-title": "Slides", "link-url": "http://x.org",
        "link-type": "slides", "link-access": "registered", "link-part": "",
        "link-year": "twenty"})
    assert refused.status_code == 422
    page = text_of(refused.get_data(as_text=True))
    assert "must be an https:// address" in page and "Not a valid integer value" in page
    part = event.parts[2]
    added = client.post(f"{url}/link", data={
        "csrf_token": csrf_of(client, url), "link-title": "Slides of Part III",
        "link-url": "https://example.org/slides", "link-type": "slides",
        "link-access": "registered", "link-part": str(part.id), "link-language": "en"})
    assert added.status_code == 303
    material = db.session.scalar(select(Material).where(Material.title == "Slides of Part III"))
    assert material.part_id == part.id and not material.is_public
    edit = f"{url}/{material.id}"
    saved = client.post(edit, data={
        "csrf_token": csrf_of(client, f"{edit}/edit"), f"material-{material.id}-title": "Slides",
        f"material-{material.id}-url": "https://example.org/slides-v2",
        f"material-{material.id}-type": "slides", f"material-{material.id}-access": "public",
        f"material-{material.id}-part": ""})
    assert saved.status_code == 303
    db.session.expire_all()
    material = db.session.get(Material, material.id)
    assert (material.title, material.url, material.part_id, material.is_public) == (
        "Slides", "https://example.org/slides-v2", None, True)
    material_id = material.id
    deleted = client.post(f"{edit}/delete", data={"csrf_token": csrf_of(client, url)},
                          headers={"HX-Request": "true"})
    assert deleted.status_code == 200 and "The material is removed." in deleted.get_data(
        as_text=True)
    db.session.expire_all()
    assert db.session.get(Material, material_id) is None
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["material.add", "material.update", "material.remove"]


def test_a_file_is_replaced_through_its_edit_form(coordinator_client, make_event):
    event = make_event()
    material = attach_file(event)
    client = coordinator_client(events=[event])
    edit = f"/manage/events/{event.id}/materials/{material.id}"
    prefix = f"material-{material.id}"
    fields = {f"{prefix}-title": "Slides", f"{prefix}-type": "slides",
              f"{prefix}-access": "public", f"{prefix}-part": ""}
    wrong = multipart(client, edit, {"csrf_token": csrf_of(client, f"{edit}/edit"), **fields},
                      {f"{prefix}-file": (HTML, "slides.pptx")})
    assert wrong.status_code == 422
    replaced = multipart(client, edit, {"csrf_token": csrf_of(client, f"{edit}/edit"), **fields},
                         {f"{prefix}-file": (PPTX, "bilder.pdf")})
    assert replaced.status_code == 303
    db.session.expire_all()
    material = db.session.get(Material, material.id)
    assert (material.filename, material.size) == ("bilder.pptx", len(PPTX)), \
        "the extension of its real type"
    assert db.session.get(MaterialFile, material.id).data == PPTX
    check = client.get(f"{edit}/file")
    assert check.data == PPTX and check.headers["Cache-Control"] == "no-store"


def test_a_registered_only_material_opens_through_the_participants_own_link(
        client, make_event, make_registration, travel):
    event = make_event()
    other = make_event(slug="another-event")
    material = attach_file(event, access="registered")
    link = attach_file(event, access="registered", name="x.pdf")
    link.url, link.filename = "https://example.org/private-slides", None
    db.session.commit()
    anna = make_registration(event)
    stranger = make_registration(other)
    token, watch = make_token("participant", anna), make_token("watch", anna)
    travel("2021-11-19 12:00")

    assert client.get(f"/materials/{material.id}/{material.filename}").status_code == 404
    opened = client.get(f"/p/{token}/materials/{material.id}")
    assert opened.status_code == 200 and opened.data == PDF
    assert opened.headers["Cache-Control"] == "no-store"
    assert "attachment" in opened.headers["Content-Disposition"]
    assert client.get(f"/watch/{watch}/materials/{material.id}").data == PDF
    redirected = client.get(f"/p/{token}/materials/{link.id}")
    assert redirected.status_code == 303
    assert redirected.location == "https://example.org/private-slides"
    assert client.get(f"/p/{token}x/materials/{material.id}").status_code == 404
    assert client.get(f"/p/{make_token('participant', stranger)}/materials/{material.id}"
                      ).status_code == 404, "another event's participant"
    page = client.get(f"/p/{token}").get_data(as_text=True)
    assert f"/p/{token}/materials/{material.id}" in page
    assert f"/materials/{material.id}" not in client.get(f"/events/{event.slug}").get_data(
        as_text=True), "not on the public page"

    travel("2021-12-18 23:59:59")
    assert client.get(f"/p/{token}/materials/{material.id}").status_code == 200, "last second"
    travel("2021-12-19 00:00:00")
    expired = client.get(f"/p/{token}/materials/{material.id}")
    assert expired.status_code == 410
    assert "available to registered participants until" in text_of(expired.get_data(
        as_text=True))
    assert f"/materials/{material.id}" not in client.get(f"/p/{token}").get_data(as_text=True)


def test_a_cancelled_registration_opens_only_public_materials(client, make_event,
                                                               make_registration, travel):
    event = make_event()
    private = attach_file(event, access="registered")
    public = attach_file(event, name="open.pdf")
    registration = make_registration(event, status="cancelled")
    token = make_token("participant", registration)
    travel("2021-11-19 12:00")
    assert client.get(f"/p/{token}/materials/{private.id}").status_code == 403
    assert client.get(f"/p/{token}/materials/{public.id}").status_code == 200


def test_the_watch_page_lists_the_materials_through_its_own_link(client, make_event,
                                                                 make_registration, travel):
    event = make_event()
    material = attach_file(event, access="registered")
    anna, erik = make_registration(event), make_registration(event)
    travel("2021-11-18 09:00")
    for registration in (anna, erik):  # the second from the page cache
        token = make_token("watch", registration)
        page = client.get(f"/watch/{token}").get_data(as_text=True)
        assert f"/watch/{token}/materials/{material.id}" in page
        assert "Programme of the seminar (in English)" in page


def test_a_duplicate_copies_the_materials_and_a_deleted_draft_takes_its_files(
        coordinator_client, make_event):
    event = make_event()
    attach_file(event, part=event.parts[2], access="registered", title="Slides of Part III")
    client = coordinator_client(events=[event])
    url = f"/manage/events/{event.id}"
    copied = client.post(f"{url}/duplicate", data={"csrf_token": csrf_of(client, url),
                                                   "slug": "seminar-2022", "weeks": "52"})
    assert copied.status_code == 303
    copy = db.session.scalar(select(Event).where(Event.slug == "seminar-2022"))
    slides = next(m for m in copy.materials if m.title == "Slides of Part III")
    assert slides.part is copy.parts[2] and not slides.is_public
    assert db.session.get(MaterialFile, slides.id).data == PDF
    assert sorted(m.title for m in copy.materials) == sorted(m.title for m in event.materials)
    deleted = client.post(f"/manage/events/{copy.id}/delete",
                          data={"csrf_token": csrf_of(client, f"/manage/events/{copy.id}")})
    assert deleted.status_code == 303
    assert count(MaterialFile) == 1, "the original's file stays, the copy's went with it"
