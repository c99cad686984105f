"""The event list and the event page as a visitor sees them."""

from __future__ import annotations

from tests.conftest import REFERENCE, ROOT, text_of
from webapp.extensions import db
from webapp.services.event_import import import_event, load_event_file, parse_event_text


def test_event_page_shows_programme_badges_times_and_contacts(client, reference_event, travel):
    travel("2021-11-01 12:00")
    page = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert "Thursday 18 November 2021" in page
    assert "10:00–12:45 EET" in page and "17:10–18:20 EET" in page
    part_two = page.split("Part II: Workshops")[0].rsplit('<li class="part">', 1)[1]
    assert "On site only, not streamed" in part_two
    part_one = page.split("Part I: The overall picture")[0].rsplit('<li class="part">', 1)[1]
    assert "Streamed live" in part_one
    assert "Ilona Sekiguchi" in page and "0295 150 201" in page
    assert "Saturday 18 December 2021, 23:59 EET" in page


def test_event_list_splits_upcoming_and_past_and_groups_series(client, travel):
    base = REFERENCE.read_text()
    for number, day in enumerate(("16", "23", "30"), start=1):
        text = (base.replace("nordic-seminar-trafficking-2021", f"dialog-{number}")
                .replace("title: Seminar on best practice",
                         f"title: Dialogue {number} on best practice")
                .replace("2021-11-18", f"2021-09-{day}")
                .replace("2021-11-16", f"2021-09-{int(day) - 2}")
                .replace("2021-10-15 09:00", "2021-08-01").replace("2021-12-18", "2021-12-31")
                + "series:\n  slug: dialogues\n  title: Autumn dialogues\n")
        import_event(parse_event_text(text, "x.yaml"))
    import_event(load_event_file(REFERENCE))
    db.session.commit()
    travel("2021-09-24 12:00")
    page = client.get("/").get_data(as_text=True)
    upcoming, past = page.split('id="past"')
    assert upcoming.count("Autumn dialogues") == 1
    assert "Dialogue 3" in upcoming and "Seminar on best practice" in upcoming
    assert upcoming.index("Autumn dialogues") < upcoming.index("Seminar on best practice")
    assert "Dialogue 1" in past and "Dialogue 2" in past


def test_markdown_description_escapes_raw_html(client, travel):
    text = REFERENCE.read_text().replace(
        "description: |\n",
        "description: |\n  <script>alert(1)</script> [x](javascript:alert(1)) **bold**\n\n", 1)
    event = import_event(parse_event_text(text, "x.yaml"))
    db.session.commit()
    travel("2021-11-01 12:00")
    page = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "<strong>bold</strong>" in page


def test_language_choice_sticks_and_dates_follow_it(client, reference_event, travel):
    travel("2021-11-01 12:00")
    page = client.get(f"/events/{reference_event.slug}?lang=fi").get_data(as_text=True)
    assert '<html lang="fi">' in page
    assert "torstai 18. marraskuuta 2021" in page
    again = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert '<html lang="fi">' in again


def test_privacy_notice(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Privacy notice" in page and "name, email address and organisation" in page


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_htmx_is_vendored_with_its_licence():
    htmx = ROOT / "webapp" / "static" / "vendor" / "htmx"
    assert (htmx / "LICENSE").read_text().startswith("Zero-Clause BSD")
    assert "2.0.11" in (htmx / "VERSION").read_text()
    assert (htmx / "htmx-2.0.11.min.js").stat().st_size > 40_000


def test_the_interface_speaks_swedish_and_finnish(client, reference_event, travel):
    travel("2021-11-01 12:00")
    sv = client.get(f"/events/{reference_event.slug}?lang=sv").get_data(as_text=True)
    assert "Anmäl dig som webbdeltagare" in sv and "Direktsänds" in sv
    assert "Anmälan öppen till tisdag 16 november 2021, 23:59 EET" in sv
    fi = client.get(f"/events/{reference_event.slug}?lang=fi").get_data(as_text=True)
    assert "Ilmoittaudu verkko-osallistujaksi" in fi and "Vain paikan päällä, ei lähetetä" in fi
    assert "Kaikki" not in client.get("/?lang=en").get_data(as_text=True)


def test_privacy_notice_names_controller_basis_recipients_retention_and_rights(
        app, client, reference_event):
    reference_event.contact_email = "seminar@example.fi"
    db.session.commit()
    app.config.update(CONTROLLER_NAME="Ministry of Justice", DPO_CONTACT="dpo@example.org",
                      MAIL_PROVIDER_NAME="Example Mail Oy")
    try:
        page = text_of(client.get(f"/privacy?event={reference_event.slug}")
                       .get_data(as_text=True))
    finally:
        app.config.update(CONTROLLER_NAME="", DPO_CONTACT="", MAIL_PROVIDER_NAME="")
    assert "The controller of your personal data is Ministry of Justice." in page
    assert "Data protection officer: dpo@example.org" in page
    assert f"The event's contact: {reference_event.title}, seminar@example.fi" in page
    assert "Article 6(1)(a)" in page
    assert "Our email provider, Example Mail Oy" in page
    assert "The stream provider (stream.example.org)" in page
    assert "removed 30 days after Saturday 18 December 2021" in page
    assert "for each part and minute" in page and "salted hash of the networks" in page
    assert "Accessibility statement" in page


def test_accessibility_statement_has_the_directives_parts(app, client):
    app.config.update(ACCESSIBILITY_ENFORCEMENT_BODY="Traficom",
                      ACCESSIBILITY_ENFORCEMENT_URL="https://www.saavutettavuusvaatimukset.fi/")
    try:
        html = client.get("/accessibility").get_data(as_text=True)
    finally:
        app.config.update(ACCESSIBILITY_ENFORCEMENT_BODY="", ACCESSIBILITY_ENFORCEMENT_URL="")
    page = text_of(html)
    for heading in ("Conformance status", "Known gaps", "Feedback and contact",
                    "Enforcement procedure", "Preparation of this statement"):
        assert heading in page
    assert 'href="https://www.saavutettavuusvaatimukset.fi/">Traficom</a>' in html
    assert "prepared on 1 December 2026," in page  # the setting's default, 2026-12-01
    swedish = text_of(client.get("/accessibility?lang=sv").get_data(as_text=True))
    assert "1 december 2026" in swedish


def test_texts_are_shown_in_the_readers_language_when_given(client, make_event):
    event = make_event(translations={
        "sv": {"title": "Seminarium om bästa praxis", "summary": "Nordiska myndigheter."}},
        programme=[{"title": "Part I", "starts_at": "10:00", "ends_at": "12:45",
                    "streamed": True, "translations": {"sv": {"title": "Del I"}}}])
    swedish = text_of(client.get(f"/events/{event.slug}?lang=sv").get_data(as_text=True))
    assert "Seminarium om bästa praxis" in swedish and "Del I" in swedish
    assert "Nordiska myndigheter." in swedish
    finnish = client.get(f"/events/{event.slug}?lang=fi").get_data(as_text=True)
    assert "Seminar on best practice" in finnish and 'lang="en"' in finnish, \
        "no Finnish text: the event's own, marked as English"
    listing = text_of(client.get("/?lang=sv").get_data(as_text=True))
    assert "Seminarium om bästa praxis" in listing
