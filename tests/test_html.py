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

from tests.conftest import ROOT, SignUp, sign_in
from webapp.extensions import db
from webapp.models import Registration
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


def _manage_pages(app, client, event, user) -> dict[str, str]:
    """The coordinators' pages, as an admin sees them."""
    pages = {"sign-in": _get(client, "/manage/login"),
             "forgot-password": _get(client, "/manage/reset")}
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
                      ("two-factor-setup", "/manage/tf-setup")):
        pages[name] = _get(client, url)
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
    pages = _public_pages(client, reference_event, travel)
    registration = make_registration(reference_event, name="Anna Virtanen")
    pages |= _participant_pages(client, registration, travel)
    user = make_user("admin@example.org", admin=True, events=[reference_event])
    pages |= _manage_pages(app, app.test_client(), reference_event, user)
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
