"""Coordinators' accounts: sign-in with two factors, resets, limits, idle time, roles,
the URL map behind sign-in, and the users command."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_of, current_code, sign_in, text_of
from webapp.extensions import db
from webapp.models import MailKind, OutboxMessage, User

SECURITY_PAGES = "security."  # Flask-Security's own pages (sign-in, reset...) are public


def login_post(client, email, password=PASSWORD):
    token = csrf_of(client, "/manage/login")
    return client.post("/manage/login", data={"email": email, "password": password,
                                              "csrf_token": token})


def test_sign_in_asks_for_the_authenticator_code_and_takes_each_code_once(app, client,
                                                                          make_user, travel):
    travel("2030-01-10 10:00")
    user = make_user()
    first = login_post(client, user.email)
    assert first.status_code == 302 and "/manage/tf-validate" in first.location
    assert client.get("/manage/").status_code == 302, "not in before the code"
    token = csrf_of(client, first.location)
    wrong = client.post(first.location, data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 200 and "/manage/" not in wrong.headers.get("Location", "")
    code = current_code(app, user)
    assert client.post(first.location, data={"code": code, "csrf_token": token}).status_code == 302
    assert client.get("/manage/").status_code == 200
    other = app.test_client()
    again = login_post(other, user.email)
    token = csrf_of(other, again.location)
    replay = other.post(again.location, data={"code": code, "csrf_token": token})
    assert replay.status_code == 200, "a code already used is refused"
    assert other.get("/manage/").status_code == 302


def test_first_sign_in_sets_up_the_authenticator_with_a_server_drawn_qr_code(app, client,
                                                                              make_user):
    user = make_user(two_factors=False)
    response = login_post(client, user.email)
    assert response.location.endswith("/manage/tf-setup")
    token = csrf_of(client, "/manage/tf-setup")
    page = client.post("/manage/tf-setup", data={"setup": "authenticator", "csrf_token": token})
    assert 'src="data:image/svg+xml;base64,' in page.get_data(as_text=True)
    with client.session_transaction() as session:
        secret = session["tf_totp_secret"]
    code = app.extensions["security"].totp_factory.generate_totp_password(secret)
    assert client.post("/manage/tf-validate", data={"code": code, "csrf_token": token}
                       ).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).tf_primary_method == "authenticator"
    assert client.get("/manage/").status_code == 200


def test_recovery_codes_sign_in_once_each(app, client, make_user):
    user = make_user()
    sign_in(app, client, user)
    token = csrf_of(client, "/manage/mf-recovery-codes")
    page = client.post("/manage/mf-recovery-codes", data={"show_codes": "y",
                                                          "csrf_token": token})
    codes = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", page.get_data(as_text=True))
    assert len(codes) == 8
    other = app.test_client()
    login_post(other, user.email)
    token = csrf_of(other, "/manage/mf-recovery")
    assert other.post("/manage/mf-recovery", data={"code": codes[0], "csrf_token": token}
                      ).status_code == 302
    assert other.get("/manage/").status_code == 200


def test_wrong_password_and_unknown_account_get_the_same_answer(client, make_user):
    make_user()
    wrong = text_of(login_post(client, "coordinator@example.org", "wrong").get_data(as_text=True))
    unknown = text_of(login_post(client, "nobody@example.org").get_data(as_text=True))
    assert wrong == unknown


def test_password_reset_goes_through_the_outbox_and_says_the_same_for_unknown(client,
                                                                              make_user):
    make_user()
    answers = []
    for email in ("coordinator@example.org", "nobody@example.org"):
        token = csrf_of(client, "/manage/reset")
        response = client.post("/manage/reset", data={"email": email, "csrf_token": token})
        answers.append((response.status_code,
                        text_of(response.get_data(as_text=True)).replace(email, "ADDRESS")))
    assert answers[0] == answers[1]
    mail = db.session.scalars(select(OutboxMessage)).one()
    assert mail.kind is MailKind.ACCOUNT and mail.context["to"] == "coordinator@example.org"
    assert "/manage/reset/" in mail.context["text"]


def test_sign_in_is_rate_limited(app, client, make_user):
    make_user()
    app.config["SIGNIN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [login_post(client, "coordinator@example.org", "wrong").status_code
                    for _ in range(4)]
    finally:
        app.config["SIGNIN_RATE_LIMIT"] = "1000 per minute"
    assert statuses[:3] == [200, 200, 200] and statuses[3] == 429


def test_a_session_ends_after_the_idle_time(app, client, make_user, travel):
    travel("2030-01-10 10:00")
    sign_in(app, client, make_user())
    travel("2030-01-10 10:29")
    assert client.get("/manage/").status_code == 200
    travel("2030-01-10 10:58")
    assert client.get("/manage/").status_code == 200, "activity keeps it"
    travel("2030-01-10 11:29")
    response = client.get("/manage/")
    assert response.status_code == 302 and "/manage/login" in response.location


def _manage_routes(app):
    return [rule for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/manage") and not rule.endpoint.startswith(SECURITY_PAGES)]



def _fill(path: str, values: dict) -> str:
    return re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), path)


def test_every_manage_page_sends_anonymous_visitors_to_sign_in(app, client):
    routes = _manage_routes(app)
    assert len(routes) > 15
    token = csrf_of(client, "/manage/login")
    for rule in routes:
        url = _fill(rule.rule, {name: 1 for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert "/manage/login" in response.location
            htmx = client.open(url, method=method, data={"csrf_token": token},
                               headers={"HX-Request": "true"})
            assert htmx.status_code == 401 and "/manage/login" in htmx.headers["HX-Redirect"]


def test_a_coordinator_gets_404_on_every_route_of_an_event_not_theirs(
        app, coordinator_client, make_event):
    theirs = make_event()
    other = make_event(slug="another-event")
    client = coordinator_client(events=[theirs])
    part = other.parts[0]
    token = csrf_of(client, "/manage/")
    event_routes = [r for r in _manage_routes(app) if "event_id" in r.arguments]
    assert len(event_routes) >= 12
    for rule in event_routes:
        url = _fill(rule.rule, {"event_id": other.id, "part_id": part.id, "user_id": 1,
                                "registration_id": 1, "message_id": 1,
                                "material_id": other.materials[0].id,
                                "invitation_id": 1, "request_id": 1,
                                "option_id": 1, "entry_id": 1, "move": "up", "action": "up"})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == 404, (method, url, response.status_code)
    assert client.get(f"/manage/events/{theirs.id}").status_code == 200
    assert other.title not in client.get("/manage/").get_data(as_text=True) or \
        theirs.title == other.title


def test_users_and_audit_pages_are_for_admins_only(app, client, make_user):
    coordinator = make_user()
    sign_in(app, client, coordinator)
    assert client.get("/manage/users").status_code == 404
    assert client.get("/manage/audit").status_code == 404
    admin_client = app.test_client()
    sign_in(app, admin_client, make_user("admin@example.org", admin=True))
    assert admin_client.get("/manage/users").status_code == 200
    assert admin_client.get("/manage/audit").status_code == 200


@pytest.mark.parametrize("command", [["users", "disable", "nobody@example.org"],
                                     ["users", "enable", "nobody@example.org"]])
def test_users_command_names_an_unknown_address(runner, command):
    result = runner.invoke(args=command)
    assert result.exit_code == 1 and "no account for 'nobody@example.org'" in result.output


def test_users_command_creates_lists_and_disables(runner):
    created = runner.invoke(args=["users", "create", "Ilona@Example.org", "--admin"])
    assert created.exit_code == 0, created.output
    assert "created admin ilona@example.org; password: " in created.output
    duplicate = runner.invoke(args=["users", "create", "ilona@example.org"])
    assert (duplicate.exit_code == 1
            and "already an account for ilona@example.org" in duplicate.output)
    bad = runner.invoke(args=["users", "create", "not-an-address"])
    assert bad.exit_code == 1 and "not a valid email address" in bad.output
    assert "ilona@example.org\tadmin\tactive" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "disable", "ilona@example.org"]).exit_code == 0
    assert "ilona@example.org\tadmin\tdisabled" in runner.invoke(args=["users", "list"]).output


def test_a_disabled_account_cannot_sign_in(app, client, make_user, runner):
    user = make_user()
    runner.invoke(args=["users", "disable", user.email])
    response = login_post(client, user.email)
    assert client.get("/manage/").status_code == 302, response.status_code
