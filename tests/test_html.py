"""Every page type is valid HTML (the Nu HTML Checker) and has no serious or critical
accessibility violation (axe-core in Chromium).

The checkers come from npm (tests/checkers, installed by scripts/ensure-checkers, which
`make test` runs); without them the tests are skipped with the reason, and under CI a
skip is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest
from sqlalchemy import select

from tests.conftest import ROOT, SignUp, csrf_of, extract, sign_in
from tests.material_files import attach_file
from webapp.extensions import db
from webapp.models import Registration
from webapp.services.event_import import import_event, load_event_file
from webapp.tokens import make_token

CHECKERS = ROOT / "tests" / "checkers" / "node_modules"
VNU = CHECKERS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = CHECKERS / "axe-core" / "axe.min.js"
HX = {"HX-Request": "true"}


def _require(present: bool, reason: str) -> None:
    if present:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"cannot be skipped under CI: {reason}")
    pytest.skip(reason)


def _get(client, url: str, status: int = 200, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _public_pages(client, event, travel) -> dict[str, str]:
    """The visitor's pages, and the sign-up's answers."""
    travel("2021-11-10 12:00")
    signup = SignUp(client, event.slug)
    pages = {"event-list": _get(client, "/"), "event-page": _get(client, f"/events/{event.slug}"),
             "privacy": _get(client, "/privacy"),
             "privacy-of-event": _get(client, f"/privacy?event={event.slug}"),
             "accessibility": _get(client, "/accessibility"),
             "check-email": _get(client, f"/events/{event.slug}/check-your-email"),
             "not-found": _get(client, "/nothing-here", 404)}
    invalid = signup.post(email="not an address", consent=None)
    assert invalid.status_code == 422
    pages["sign-up-errors"] = invalid.get_data(as_text=True)
    pages["sign-up-errors-fragment"] = signup.post(email="x", headers=HX).get_data(as_text=True)
    travel("2021-11-20 12:00")
    pages["event-page-closed"] = _get(client, f"/events/{event.slug}")
    return pages


def _participant_pages(client, registration, travel) -> dict[str, str]:
    """A participant's own pages, and the watch page in each state."""
    token, watch = make_token("participant", registration), make_token("watch", registration)
    travel("2021-11-10 12:00")
    pages = {"participant": _get(client, f"/p/{token}"),
             "cancel": _get(client, f"/p/{token}/cancel"),
             "delete": _get(client, f"/p/{token}/delete")}
    for state, moment in (("before", "2021-11-18 09:00"), ("live", "2021-11-18 10:30"),
                          ("pause", "2021-11-18 14:00"), ("after", "2021-11-19 12:00")):
        travel(moment)
        pages[f"watch-{state}"] = _get(client, f"/watch/{watch}")
        pages[f"watch-{state}-fragment"] = _get(client, f"/watch/{watch}", headers=HX)
    part = registration.event.parts[0]
    pages["recording"] = _get(client, f"/watch/{watch}/recording/{part.id}")
    travel("2022-01-01 12:00")
    pages["watch-expired"] = _get(client, f"/watch/{watch}", 410)
    return pages


def _two_factor_choice(app, make_user) -> str:
    """The page after the password for someone with two second factors: the
    authenticator app, and a passkey registered as the second step."""
    from tests.conftest import PASSWORD, csrf_of
    from webapp import clock
    from webapp.models import WebAuthn

    user = make_user("both-factors@example.org")
    db.session.add(WebAuthn(user_id=user.id, credential_id=b"credential-1", public_key=b"k",
                            transports=["internal"], backup_state=False,
                            device_type="single_device", name="Laptop", usage="secondary",
                            lastuse_datetime=clock.now()))
    db.session.commit()
    client = app.test_client()
    asked = client.post("/manage/login", data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_of(client, "/manage/login")})
    assert asked.location.startswith("/manage/tf-select")
    return _get(client, asked.location)


def _manage_pages(app, client, event, user, make_user) -> dict[str, str]:
    """The coordinators' pages, as an admin sees them."""
    pages = {"sign-in": _get(client, "/manage/login"),
             "forgot-password": _get(client, "/manage/reset")}
    from tests.conftest import PASSWORD, csrf_of

    halfway = app.test_client()  # the password given, the code not yet
    asked = halfway.post("/manage/login", data={
        "email": user.email, "password": PASSWORD, "csrf_token": csrf_of(halfway, "/manage/login")})
    pages["two-factor-code"] = _get(halfway, asked.location)
    pages["recovery-code"] = _get(halfway, "/manage/mf-recovery")
    pages["two-factor-choice"] = _two_factor_choice(app, make_user)
    sign_in(app, client, user)
    part = event.parts[0]
    base = f"/manage/events/{event.id}"
    for name, url in (("manage-events", "/manage/"), ("manage-event", base),
                      ("manage-edit", f"{base}/edit"), ("manage-new", "/manage/events/new"),
                      ("manage-import", "/manage/events/import"),
                      ("manage-programme", f"{base}/programme"),
                      ("manage-part-edit", f"{base}/programme/{part.id}/edit"),
                      ("manage-users", "/manage/users"), ("manage-audit", "/manage/audit"),
                      ("change-password", "/manage/change"),
                      ("recovery-codes", "/manage/mf-recovery-codes"),
                      ("two-factor-setup", "/manage/tf-setup")):
        pages[name] = _get(client, url)
    return pages | _workspace_pages(client, event)


def _passkey_pages(anonymous, client, user) -> dict[str, str]:
    """The passkey pages (one passkey registered), and each one's second step."""
    from datetime import datetime, timezone

    from webapp.models import WebAuthn

    db.session.add(WebAuthn(user_id=user.id, credential_id=b"key", public_key=b"pk",
                            backup_state=False, device_type="single_device", name="Laptop",
                            usage="first", lastuse_datetime=datetime.now(timezone.utc)))
    db.session.commit()
    pages = {"passkeys": _get(client, "/manage/wan-register"),
             "passkey-verify": _get(client, "/manage/wan-verify"),
             "passkey-sign-in": _get(anonymous, "/manage/wan-signin")}
    for name, who, url, data in (
            ("passkey-new", client, "/manage/wan-register", {"name": "Phone", "usage": "first"}),
            ("passkey-sign-in-asked", anonymous, "/manage/wan-signin", {})):
        response = who.post(url, data=data | {"csrf_token": csrf_of(who, url)})
        assert response.status_code == 200 and "data-passkey-options" in response.text, name
        pages[name] = response.text
    return pages


def _workspace_pages(client, event) -> dict[str, str]:
    """The registrations, mail, attendance and dashboard pages and their fragments."""
    from tests.conftest import csrf_of
    from webapp.models import Registration

    registration = Registration.query.filter_by(event_id=event.id).first()  # watched live
    base = f"/manage/events/{event.id}"
    person = f"{base}/registrations/{registration.id}"
    pages = {name: _get(client, url) for name, url in (
        ("manage-registrations", f"{base}/registrations"),
        ("manage-person", person), ("manage-erase", f"{person}/erase"),
        ("manage-door-list", f"{base}/door-list"), ("manage-mail", f"{base}/mail"),
        ("manage-compose", f"{base}/mail/new"), ("manage-attendance", f"{base}/attendance"),
        ("manage-dashboard", "/manage/dashboard"))}
    for name, url in (("manage-registrations-rows", f"{base}/registrations?q=anna"),
                      ("manage-mail-messages", f"{base}/mail?status=failed"),
                      ("manage-mail-progress", f"{base}/mail/progress"),
                      ("manage-attendance-viewers", f"{base}/attendance?mode=live"),
                      ("manage-figures", f"{base}/figures"),
                      ("manage-dashboard-figures", "/manage/dashboard/figures")):
        pages[name] = _get(client, url, headers=HX)
    token = csrf_of(client, f"{base}/registrations")
    pages["manage-bulk-errors"] = client.post(f"{base}/registrations/bulk", headers=HX, data={
        "csrf_token": token, "batch": "b", "action": "resend"}).get_data(as_text=True)
    pages["manage-bulk-done"] = client.post(f"{base}/registrations/bulk", headers=HX, data={
        "csrf_token": token, "batch": "b", "action": "resend",
        "ids": [registration.id]}).get_data(as_text=True)
    pages["manage-compose-preview"] = client.post(f"{base}/mail/new", data={
        "csrf_token": token, "batch": "b", "subject": "Hello", "text": "Text\n\nMore",
        "preview": "1"}).get_data(as_text=True)
    return pages


def _material_pages(client, event, public, travel) -> dict[str, str]:
    """The publications page, a publication, ordering a printed copy, and an event over
    two days and two venues."""
    travel("2021-11-10 12:00")
    pages = {"publications": _get(client, "/publications"),
             "publications-searched": _get(client, "/publications?q=report&type=report"),
             "publications-fragment": _get(client, "/publications?q=report", headers=HX),
             "publications-bad-filter": _get(client, "/publications?year=x", 422),
             "publication": _get(client, f"/publications/{public.id}")}
    url = f"/publications/{public.id}/order"
    pages["order"] = _get(client, url)
    refused = client.post(url, data={"csrf_token": csrf_of(client, url), "copies": "0",
                                     "started": extract(r'name="started" type="hidden" '
                                                        r'value="([^"]*)"', pages["order"])})
    assert refused.status_code == 422
    pages["order-errors"] = refused.get_data(as_text=True)
    pages["order-sent"] = _get(client, f"{url}/sent")
    vilnius = import_event(load_event_file(ROOT / "examples" / "two-day-seminar-vilnius-2022.yaml"))
    db.session.commit()
    pages["event-page-days-and-venues"] = _get(client, f"/events/{vilnius.slug}")
    return pages


def _materials_editor_pages(client, event, material) -> dict[str, str]:
    """The coordinators' materials editor (signed in already)."""
    url = f"/manage/events/{event.id}/materials"
    pages = {"manage-materials": _get(client, url),
             "manage-material-edit": _get(client, f"{url}/{material.id}/edit")}
    refused = client.post(f"{url}/link", data={"csrf_token": csrf_of(client, url),
                                               "link-url": "http://x", "link-title": ""})
    assert refused.status_code == 422
    pages["manage-materials-errors"] = refused.get_data(as_text=True)
    return pages


def _invitation_pages(app, event, user, travel) -> dict[str, str]:
    """The invitations (with a preview), the invitee's page in its states, and the
    check-in page with its fragments."""
    from datetime import datetime, timezone

    from tests.invitations import answer, invitations, invite, link, post, preview

    travel("2021-11-10 12:00")
    event.rsvp_closes_at = datetime(2021, 11, 15, 21, 59, 59, tzinfo=timezone.utc)
    event.onsite_capacity = 2
    db.session.commit()
    coordinator, invitee = app.test_client(), app.test_client()
    sign_in(app, coordinator, user)
    base = f"/manage/events/{event.id}"
    invite(coordinator, event, "Anna Virtanen <anna@heuni.fi>, HEUNI\nBo Ek <bo@polisen.se>\n"
                               "matti@example.fi\nÅsa Öberg, asa@example.se")
    anna, bo, matti, asa = invitations(event)
    pages = {"invitation": _get(invitee, link(anna))}
    errors = answer(invitee, anna, "seat", name="", email="x")
    assert errors.status_code == 422
    pages["invitation-seat-errors"] = errors.get_data(as_text=True)
    answer(invitee, anna, "accept")
    pages["invitation-accepted"] = _get(invitee, link(anna))
    answer(invitee, bo, "decline", message="Sorry, not this time.")
    pages["invitation-declined"] = _get(invitee, link(bo))
    answer(invitee, asa, "seat", name="Cecilia Ek", email="cecilia@example.se", consent="y")
    event.onsite_capacity = 1
    db.session.commit()
    pages["invitation-no-seats"] = _get(invitee, link(matti))
    pages["manage-invitations"] = _get(coordinator, f"{base}/invitations")
    pages["manage-invitations-status"] = _get(coordinator, f"{base}/invitations/status",
                                              headers=HX)
    shown = preview(coordinator, event, "Anna <anna@heuni.fi>\nno address\nNew <new@x.fi>")
    pages["manage-invitations-preview"] = shown.get_data(as_text=True)
    pages["manage-checkin"] = _get(coordinator, f"{base}/checkin")
    pages["manage-checkin-fragment"] = _get(coordinator, f"{base}/checkin?q=anna", headers=HX)
    tapped = post(coordinator, f"{base}/checkin/{anna.registration_id}/arrived",
                  form_url=f"{base}/checkin", headers=HX).get_data(as_text=True)
    pages["manage-checkin-tapped"] = re.sub(r"(?s)(<li.*</li>)", r"<ul>\1</ul>", tapped)
    gone = link(bo)
    post(coordinator, f"{base}/invitations/{bo.id}/revoke", form_url=f"{base}/invitations")
    pages["invitation-gone"] = _get(invitee, gone, 410)
    travel("2021-11-16 12:00")
    pages["invitation-closed"] = _get(invitee, link(matti))
    return pages


def _slot_pages(app, client, travel, user) -> dict[str, str]:
    """Seed 000's conference (slots, on-site sign-up, waiting lists) and seed 004's
    series: the public, personal and coordinators' pages they add."""
    from tests.slots import OPEN, STOCKHOLM, OnSiteSignUp, choose_all, import_conference, option
    from webapp.db import run
    from webapp.models import SeriesSignup, WaitingEntry, WaitingKind
    from webapp.services.series import sign_up_for_series
    from webapp.services.waiting import join_waiting_list

    travel(OPEN, STOCKHOLM)
    conference = import_conference()
    full = option(conference, "B")
    full.seat_limit = 0
    db.session.commit()
    form = OnSiteSignUp(client, conference.slug)
    pages = {"event-page-slots": _get(client, f"/events/{conference.slug}"),
             "places-fragment": _get(client, f"/events/{conference.slug}/places")}
    refused = form.post(choices=choose_all(conference, "B", "E"))
    assert refused.status_code == 409
    pages["onsite-full-option"] = refused.get_data(as_text=True)
    pages["onsite-errors-fragment"] = form.post(choices={}, headers=HX).get_data(as_text=True)
    assert form.post(choices=choose_all(conference, "A", "E"), waits=[full]).status_code == 303
    registration = db.session.scalar(select(Registration).where(
        Registration.email == "karin@example.se"))
    pages["participant-with-choices"] = _get(
        client, f"/p/{make_token('participant', registration)}")
    pages["waiting-joined"] = _get(client, f"/events/{conference.slug}/waiting-list/"
                                           "check-your-email")
    with app.test_request_context():
        entry = run(lambda: join_waiting_list(conference, WaitingKind.ON_SITE, name="Sam",
                                              email="sam@example.se"))  # seats are free:
    assert entry.status.value == "offered"  # offered at once
    pages["waiting-offer"] = _get(client, f"/w/{make_token('waiting', entry)}")
    waiting = db.session.scalars(select(WaitingEntry).where(
        WaitingEntry.option_id == full.id)).one()
    pages["waiting-position"] = _get(client, f"/w/{make_token('waiting', waiting)}")
    series = _dialogue_series()
    travel("2020-09-01 12:00", STOCKHOLM)
    pages["series-page"] = _get(client, f"/series/{series.slug}")
    pages["series-check-email"] = _get(client, f"/series/{series.slug}/check-your-email")
    with app.test_request_context():
        run(lambda: sign_up_for_series(series, series.events, name="Lena",
                                       email="lena@example.se", organisation=""))
    signup = db.session.scalars(select(SeriesSignup)).one()
    pages["series-personal"] = _get(client, f"/s/{make_token('series', signup)}")
    travel(OPEN, STOCKHOLM)
    staff = app.test_client()
    sign_in(app, staff, user)
    base = f"/manage/events/{conference.id}"
    for name, url in (("manage-slot-options", f"{base}/programme/{full.part_id}/options"),
                      ("manage-option-lists", f"{base}/options"),
                      ("manage-option-list", f"{base}/options/{option(conference, 'A').id}"),
                      ("manage-waiting-lists", f"{base}/waiting"),
                      ("manage-programme-slots", f"{base}/programme")):
        pages[name] = _get(staff, url)
    return pages


def _dialogue_series():
    from webapp.models import Series
    from webapp.services.event_import import import_event, load_event_file

    for path in sorted((ROOT / "examples").glob("dialogue-meeting-*.yaml")):
        import_event(load_event_file(path))
    db.session.commit()
    return db.session.scalars(select(Series)).one()


@pytest.fixture
def every_page(app, client, reference_event, make_registration, make_user, travel):
    """{name: html} for every page type."""
    reference_event.contact_email = "seminar@example.org"
    public = attach_file(reference_event, title="The report", type="report", orderable=True,
                         year=2021, language="en", authors="HEUNI")
    private = attach_file(reference_event, title="Slides of Part I", type="slides",
                          access="registered", part=reference_event.parts[0])
    pages = _public_pages(client, reference_event, travel)
    pages |= _material_pages(client, reference_event, public, travel)
    registration = make_registration(reference_event, name="Anna Virtanen")
    pages |= _participant_pages(client, registration, travel)
    user = make_user("admin@example.org", admin=True, events=[reference_event])
    manager = app.test_client()
    pages |= _manage_pages(app, manager, reference_event, user, make_user)
    pages |= _materials_editor_pages(manager, reference_event, private)
    pages |= _passkey_pages(client, manager, user)
    other = make_user("coordinator@example.org", events=[reference_event])  # (its own TOTP)
    pages |= _invitation_pages(app, reference_event, other, travel)
    pages |= _slot_pages(app, client, travel, user)
    return pages


def _full_page(html: str) -> str:
    """A fragment wrapped in a minimal valid document, so it is checked as it would be
    once swapped into its page."""
    if html.lstrip().lower().startswith("<!doctype"):
        return html
    title = re.match(r"\s*(<title>.*?</title>)", html, re.S)  # htmx moves it into <head>
    head = title.group(1) if title else "<title>Fragment</title>"
    body = html[title.end():] if title else html
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"{head}</head><body><main>{body}</main></body></html>")


def test_every_page_type_is_valid_html(every_page, tmp_path):
    _require(VNU.exists(), f"{VNU} is missing (scripts/ensure-checkers)")
    _require(shutil.which("java") is not None, "java is missing (scripts/ensure-checkers)")
    for name, html in every_page.items():
        (tmp_path / f"{name}.html").write_text(_full_page(html))
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", "--exit-zero-always",
         str(tmp_path)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
                for m in messages]
    assert not problems, "\n".join(problems)


def _standalone(html: str) -> str:
    """The page with our stylesheet in it and no scripts: axe judges it as shown."""
    css = (ROOT / "webapp" / "static" / "css" / "site.css").read_text()
    html = re.sub(r'<link rel="stylesheet"[^>]*>', lambda _m: f"<style>{css}</style>",
                  _full_page(html))
    return re.sub(r"<script[^>]*></script>", "", html)


def test_every_page_type_has_no_serious_accessibility_violation(every_page, browser):
    _require(AXE.exists(), f"{AXE} is missing (scripts/ensure-checkers)")
    context = browser.new_context(bypass_csp=True)  # axe is injected as a script
    page = context.new_page()
    problems = []
    for name, html in every_page.items():
        page.set_content(_standalone(html))
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        problems += [f"{name}: {v['id']} ({v['impact']}): {v['help']}: "
                     f"{[n['target'] for n in v['nodes']][:3]}"
                     for v in result["violations"] if v["impact"] in {"serious", "critical"}]
    context.close()
    assert not problems, "\n".join(problems)


def _email_pages(app, event, registration) -> dict[str, str]:
    """The HTML part of every kind of email rendered for a registration."""
    from webapp.mail.message import build_message
    from webapp.mail.render import mail_context
    from webapp.models import MailKind, OutboxMessage

    contexts = {MailKind.REMINDER: {"minutes": 60}, MailKind.EVENT_CANCELLED: {"message": "Ill."},
                MailKind.CUSTOM: {"subject": "News", "text": "Line one\n\nLine two"},
                MailKind.PROGRAMME_CHANGED: {
                    "part_id": event.parts[0].id, "old_starts_at": "2021-11-18T08:00:00+00:00",
                    "old_ends_at": "2021-11-18T10:45:00+00:00"}}
    prebuilt = {"account", "data_deleted", "order", "invitation", "invitation_reminder",
                "seat_refused", "waiting_joined", "waiting_offer", "waiting_accepted",
                "waiting_lapsed", "waiting_left", "waiting_moved",
                "series_confirmation"}  # rendered when queued
    kinds = [k for k in MailKind if k.value not in prebuilt]
    pages = {}
    with mail_context(app):
        for kind in kinds:
            row = OutboxMessage(id=1, idempotency_key=f"k:{kind.value}", kind=kind,
                                registration=registration, event=event,
                                registration_id=registration.id, event_id=event.id,
                                context=contexts.get(kind, {}))
            pages[f"email-{kind.value}"] = build_message(row).html
    return pages


def test_every_email_is_valid_html(app, reference_event, make_registration, tmp_path):
    _require(VNU.exists(), f"{VNU} is missing (scripts/ensure-checkers)")
    _require(shutil.which("java") is not None, "java is missing (scripts/ensure-checkers)")
    registration = make_registration(reference_event, name="Märta <b>Åström</b>")
    for name, html in _email_pages(app, reference_event, registration).items():
        (tmp_path / f"{name}.html").write_text(html)
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--errors-only", "--exit-zero-always",
         str(tmp_path)], capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert len(list(tmp_path.iterdir())) >= 10
    assert not messages, "\n".join(f"{m['url'].rsplit('/', 1)[-1]}: {m['message']}"
                                   for m in messages)
