"""The publications page in a real browser: active search as one types, and a download.

Without /usr/bin/chromium these are skipped with the reason; under CI a skip is a failure.
"""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, expect, watched
from tests.material_files import PDF, attach_file
from webapp.extensions import db
from webapp.services.event_import import import_event, load_event_file


@pytest.fixture
def publications(reference_event):
    """Seed 001's publications (links) and one uploaded PDF, on public events."""
    import_event(load_event_file(ROOT / "examples" / "national-conference-trafficking-2024.yaml"))
    db.session.commit()
    attach_file(reference_event, name="Identifiering av offer.pdf", type="slides",
                title="Slides: identifying victims early", authors="HEUNI", year=2021)


def test_typing_finds_a_publication_which_then_downloads(browser, live_server, publications,
                                                         page_errors, tmp_path):
    page = watched(browser.new_page(accept_downloads=True), page_errors)
    page.goto(f"{live_server}/publications")
    count = page.locator("#publication-count")
    expect(count).to_have_text("11 publications")
    page.locator("#q").press_sequentially("identifying", delay=40)
    expect(count).to_have_text("1 publication found")
    results = page.locator("#publication-results h3")
    expect(results).to_have_count(1)
    expect(results).to_have_text("Slides: identifying victims early")
    assert page.url == f"{live_server}/publications", "no page load: htmx swapped the results"
    with page.expect_download() as info:
        page.get_by_role("link", name="Download (PDF").click()
    download = info.value
    assert download.suggested_filename == "Identifiering av offer.pdf"
    saved = tmp_path / "saved.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == PDF
    page.select_option("#type", "brochure")
    expect(count).to_have_text("0 publications found")
    page.locator("#q").fill("")
    page.locator("#q").dispatch_event("input")
    expect(count).to_have_text("2 publications found")
    page.close()


def test_the_search_works_without_javascript(browser, live_server, publications):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/publications")
    page.fill("#q", "kartläggning")
    page.click("button[type=submit]")
    page.wait_for_url("**/publications?q=*")
    expect(page.locator("#publication-count")).to_have_text("1 publication found")
    expect(page.locator("#publication-results h3")).to_have_text(
        "Människohandel med barn – Nationell kartläggning 2012–2015")
    context.close()
