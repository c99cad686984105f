"""The publications page through HTTP: search and filters with and without htmx, and
ordering a printed copy (the order to the event's contact, a confirmation to the reader)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.conftest import ROOT, extract, text_of
from tests.material_files import attach_file
from webapp.extensions import db
from webapp.models import MailKind, Material, OutboxMessage
from webapp.services.event_import import import_event, load_event_file

CONFERENCE = ROOT / "examples" / "national-conference-trafficking-2024.yaml"
MANUAL = "Manual vid misstanke om människohandel – Skydd och stöd till människohandelsoffer"


@pytest.fixture
def conference():
    """The national conference (Swedish) with seed 001's publications, committed."""
    event = import_event(load_event_file(CONFERENCE))
    db.session.commit()
    return event


def titles(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [text_of(t).strip() for t in re.findall(r"<h3[^>]*>(.*?)</h3>", html, re.S)]


def test_the_page_lists_public_materials_of_public_events_only(client, conference, make_event):
    attach_file(conference, access="registered", title="Secret slides")
    draft = make_event(slug="a-draft", status="draft")
    attach_file(draft, title="Draft report")
    page = client.get("/publications")
    assert page.status_code == 200
    found = titles(page)
    assert len(found) == 9, "seed 001's nine; not the draft's programme link"
    assert "Secret slides" not in found and "Draft report" not in found
    text = text_of(page.get_data(as_text=True))
    assert "By Länsstyrelsen Stockholm & IOM" in text and "Published 2016" in text
    assert "From the event Nationell konferens mot människohandel" in text


@pytest.mark.parametrize("query, expected", [
    ("q=MÄNNISKOHANDEL+barn", {"Människohandel med barn – Genomlysning av polisärenden 2015–2016",
                               "Människohandel med barn – Nationell kartläggning 2012–2015",
                               "Kan det vara människohandel?",
                               "Människohandel med barn och vad du kan göra för att "
                               "förhindra det"}),
    ("q=referral", {"National Referral Mechanism – Protecting and supporting victims of "
                    "Trafficking in Human Beings in Sweden"}),
    ("q=noa", {"Människohandel för sexuella och andra ändamål 2015 (Lägesrapport 17)"}),
    ("type=brochure", {"Regional coordinator against human trafficking – Help for victims of "
                       "human trafficking",
                       "Frivilligt återvändande och återintegrering enligt trestegsmodellen"}),
    ("year=2015", {"Människohandel med barn – Nationell kartläggning 2012–2015",
                   "Kan det vara människohandel?"}),
    ("type=manual&year=2016&q=", {MANUAL, "National Referral Mechanism – Protecting and "
                                          "supporting victims of Trafficking in Human Beings "
                                          "in Sweden"}),
    ("q=100%25", set()),
    ("q=_", set()),
])
def test_search_and_filters(client, conference, query, expected):
    response = client.get(f"/publications?{query}")
    assert response.status_code == 200
    assert set(titles(response)) == expected
    count = extract(r'id="publication-count"[^>]*>\s*([^<]*?)\s*<', response.get_data(
        as_text=True))
    assert count == f"{len(expected)} publication{'' if len(expected) == 1 else 's'} found"


def test_with_htmx_only_the_results_come_back_with_their_count(client, conference):
    response = client.get("/publications?q=kartläggning", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert re.search(r'<span id="publication-count" data-hx-swap-oob="innerHTML">\s*1 '
                     r'publication found', html)
    assert titles(response) == ["Människohandel med barn – Nationell kartläggning 2012–2015"]
    page = client.get("/publications").get_data(as_text=True)
    assert 'data-hx-trigger="input changed delay:300ms, search"' in page
    assert '<form class="filters publication-search" method="get" action="/publications"' in page


def test_a_bad_filter_is_named_at_its_field_and_the_rest_still_searches(client, conference):
    response = client.get("/publications?year=last&type=poster&q=barn")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Not a valid choice" in html.split('id="year-error"', 1)[1][:100]
    assert "Not a valid choice" in html.split('id="type-error"', 1)[1][:100]
    assert len(titles(response)) == 4, "the words still searched"


def test_each_publication_has_its_own_page_with_its_event(client, conference):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    page = text_of(client.get(f"/publications/{material.id}").get_data(as_text=True))
    assert "Seminariepass 2: välj mellan fyra parallella seminarier" in page  # its slot
    assert "Open the publication" in page and "Order a printed copy" in page
    private = attach_file(conference, access="registered")
    assert client.get(f"/publications/{private.id}").status_code == 404


def order(client, material, **fields):
    """GET the order form and POST it as a browser would."""
    url = f"/publications/{material.id}/order"
    html = client.get(url).get_data(as_text=True)
    body = {"csrf_token": extract(r'name="csrf_token" type="hidden" value="([^"]+)"', html),
            "started": extract(r'name="started" type="hidden" value="([^"]*)"', html),
            "name": "Anna Andersson", "organisation": "Socialtjänsten",
            "address": "Box 123\r\n111 22 Stockholm", "copies": "3",
            "email": "Anna@Example.org"}
    body.update(fields)
    return client.post(url, data={k: v for k, v in body.items() if v is not None})


def orders() -> list[OutboxMessage]:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MailKind.ORDER)
                              .order_by(OutboxMessage.id)).all()


def test_an_order_goes_to_the_events_contact_and_is_confirmed_to_the_reader(
        client, conference):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    response = order(client, material)
    assert response.status_code == 303
    sent = client.get(response.location)
    assert "has been passed on to the organiser" in text_of(sent.get_data(as_text=True))
    request, confirmation = orders()
    assert request.event_id == confirmation.event_id == conference.id
    assert request.registration_id is None and confirmation.registration_id is None
    contact = request.context
    assert (contact["to"], contact["reply_to"]) == ("konferens@example.org", "anna@example.org")
    assert MANUAL in contact["subject"]
    for text in (contact["text"], contact["html"]):
        assert "Antal exemplar: 3" in text and "Anna Andersson" in text  # the event's Swedish
        assert "Box 123" in text and "111 22 Stockholm" in text and "Socialtjänsten" in text
    assert '<html lang="sv">' in contact["html"], "in the event's language"
    assert "Box 123<br>111 22 Stockholm" in contact["html"]
    mine = confirmation.context
    assert (mine["to"], mine["reply_to"]) == ("anna@example.org", "konferens@example.org")
    assert '<html lang="en">' in mine["html"], "in the reader's language"
    assert f"/publications/{material.id}" in mine["text"]


def test_an_order_in_finnish_is_confirmed_in_finnish(client, conference):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    client.get("/publications?lang=fi")
    assert order(client, material).status_code == 303
    request, confirmation = orders()
    assert '<html lang="fi">' in confirmation.context["html"]
    assert '<html lang="sv">' in request.context["html"]


@pytest.mark.parametrize("fields, field, message", [
    ({"copies": "0"}, "copies", "From 1 to 50 copies."),
    ({"copies": "many"}, "copies", "Not a valid integer value"),
    ({"address": "  "}, "address", "Please give the address the copies go to."),
    ({"email": "not an address"}, "email", "Please enter a valid email address"),
    ({"name": "Anna\x07"}, "name", "Please use printable characters only."),
])
def test_a_bad_order_is_refused_at_its_field_and_nothing_is_sent(client, conference, fields,
                                                                 field, message):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    response = order(client, material, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html.split(f'id="{field}-error"', 1)[1][:200]
    assert orders() == []


def test_a_bot_filling_the_honeypot_gets_400_and_nothing_is_sent(client, conference):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    assert order(client, material, website="http://spam.example").status_code == 400
    assert orders() == []


def test_orders_are_rate_limited(app, client, conference):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    app.config["ORDER_RATE_LIMIT"] = "2 per minute"
    try:
        statuses = [order(client, material).status_code for _ in range(3)]
    finally:
        app.config["ORDER_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [303, 303, 429]
    assert len(orders()) == 4


def test_no_order_where_it_is_not_allowed_or_nobody_takes_it(client, conference, make_event):
    not_orderable = db.session.scalar(select(Material).where(Material.title.like("National%")))
    assert client.get(f"/publications/{not_orderable.id}/order").status_code == 404
    reference = make_event()  # its contacts have no email, and it has no contact address
    reference.materials[0].orderable = True
    db.session.commit()
    assert client.get(f"/publications/{reference.materials[0].id}/order").status_code == 404
    assert "Order a printed copy" not in client.get(
        f"/publications/{reference.materials[0].id}").get_data(as_text=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_an_order_reaches_the_contacts_mailbox(app, client, conference, smtp):
    from tests.conftest import drain_mail

    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    assert order(client, material).status_code == 303
    drain_mail(app)
    by_recipient = {message["To"]: message for message in smtp.messages}
    assert sorted(by_recipient) == ["anna@example.org", "konferens@example.org"]
    assert by_recipient["konferens@example.org"]["Reply-To"] == "anna@example.org"
    assert "Anna Andersson" in by_recipient["konferens@example.org"].get_body(
        ("plain",)).get_content()
    assert by_recipient["anna@example.org"]["Reply-To"] == "konferens@example.org"
    db.session.expire_all()
    assert [(row.status.value, set(row.context)) for row in orders()] == [
        ("sent", {"subject"}), ("sent", {"subject"})], "once sent, only the subjects stay"


def test_the_privacy_purge_forgets_orders_after_the_retention_time(app, client, conference,
                                                                   runner, travel):
    material = db.session.scalar(select(Material).where(Material.title == MANUAL))
    travel("2030-01-10 12:00")
    assert order(client, material).status_code == 303
    travel("2030-02-08 12:00")
    runner.invoke(args=["privacy", "purge"])
    assert all(row.context for row in orders()), "kept within the retention time"
    travel("2030-02-10 12:00")
    assert runner.invoke(args=["privacy", "purge"]).exit_code == 0
    db.session.expire_all()
    assert [row.context for row in orders()] == [{}, {}]
