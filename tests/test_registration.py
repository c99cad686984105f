"""Web sign-up through the HTTP routes: deadline edges, duplicates, capacity, bots."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import REFERENCE, SignUp, participant_link, text_of
from webapp.extensions import db
from webapp.models import Registration, RegistrationStatus
from webapp.services.event_import import import_event, parse_event_text

OPEN = "2021-11-10 12:00"


def count() -> int:
    """Registration rows in the database."""
    return db.session.scalar(select(func.count(Registration.id)))


def test_sign_up_creates_one_registration_and_asks_to_check_the_email(signup, travel, client):
    travel(OPEN)
    response = signup.post(email="Anna.Virtanen@Example.ORG")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/events/{signup.slug}/check-your-email"
    registration = db.session.scalars(select(Registration)).one()
    assert registration.email == "anna.virtanen@example.org"
    assert registration.kind.value == "web"
    assert registration.language == "en"
    assert registration.consent_at == datetime.fromisoformat("2021-11-10 10:00+00:00")
    assert "It holds your personal link" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    page = client.get(participant_link("anna.virtanen@example.org")).get_data(as_text=True)
    assert "Registered" in page
    assert "Part I: The overall picture" in page
    assert "Part II: Workshops" not in page.split("Not streamed:")[0]


def test_signing_up_again_looks_exactly_like_the_first_time(signup, travel, client):
    """Nobody can learn from the page whether a given person signed up."""
    travel(OPEN)
    first = signup.post(email="anna@example.org")
    again = signup.post(email="ANNA@EXAMPLE.ORG", name="Someone Else")
    assert (first.status_code, first.headers["Location"]) == \
        (again.status_code, again.headers["Location"])
    assert count() == 1
    assert db.session.scalars(select(Registration)).one().name == "Anna Virtanen"


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        ("2021-11-16 23:59:59", True),
        ("2021-11-16 23:59:59.999999", True),
        ("2021-11-17 00:00:00", False),
        ("2021-10-15 09:00:00", True),
        ("2021-10-15 08:59:59", False),
    ],
)
def test_registration_window_edges(signup, travel, moment, accepted):
    start = datetime.fromisoformat(moment)
    travel(start.replace(second=0, microsecond=0))
    hidden = signup.form_fields()
    travel(start)
    response = signup.post(hidden=hidden)
    if accepted:
        assert response.status_code == 303
        assert count() == 1
    else:
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        assert ("Registration closed on Tuesday 16 November 2021, 23:59 EET" in body
                or "Registration opens on Friday 15 October 2021, 09:00 EEST" in body)
        assert count() == 0


def test_closed_event_page_offers_no_form(client, reference_event, travel):
    travel("2021-11-17 00:00:00")
    page = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert "Registration closed" in page
    assert 'name="email"' not in page


def test_open_event_page_states_the_deadline_in_words(client, reference_event, travel):
    travel(OPEN)
    page = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert "Registration open until Tuesday 16 November 2021, 23:59 EET" in page


@pytest.mark.parametrize(
    ("deadline_date", "last_second_utc"),
    [
        # Helsinki goes to summer time (EEST, UTC+3) at 03:00 on 28 March 2021.
        ("2021-03-28", "2021-03-28 20:59:59+00:00"),
        # ... and back to EET (UTC+2) at 04:00 on 31 October 2021.
        ("2021-10-31", "2021-10-31 21:59:59+00:00"),
        ("2021-03-27", "2021-03-27 21:59:59+00:00"),
    ],
)
def test_deadline_date_is_end_of_day_across_daylight_saving(
    client, travel, deadline_date, last_second_utc
):
    text = REFERENCE.read_text()
    text = text.replace("registration_opens_at: 2021-10-15 09:00",
                        "registration_opens_at: 2021-03-01")
    text = text.replace("registration_closes_at: 2021-11-16",
                        f"registration_closes_at: {deadline_date}")
    event = import_event(parse_event_text(text, "event.yaml"))
    db.session.commit()
    last = datetime.fromisoformat(last_second_utc)
    assert event.registration_closes_at == last
    signup = SignUp(client, event.slug)
    travel(last.replace(second=0))
    hidden = signup.form_fields()
    travel(last.replace(microsecond=500000))
    assert signup.post(hidden=hidden, email="last@example.org").status_code == 303
    travel(datetime.fromtimestamp(last.timestamp() + 1, last.tzinfo))
    assert signup.post(hidden=hidden, email="late@example.org").status_code == 403
    assert count() == 1


def test_capacity_refuses_when_web_places_are_taken(signup, reference_event, travel):
    reference_event.web_capacity = 1
    db.session.commit()
    travel(OPEN)
    assert signup.post(email="first@example.org").status_code == 303
    hidden = {"csrf_token": signup.form_fields()["csrf_token"],
              "started": signup.form_fields()["started"]}
    response = signup.post(hidden=hidden, email="second@example.org")
    assert response.status_code == 409
    assert "all web places for this event are taken" in response.get_data(as_text=True)
    assert count() == 1


def test_a_full_event_refuses_a_registered_address_as_it_refuses_a_new_one(
        signup, reference_event, travel):
    """Nobody learns by posting an address to a full event whether it is registered:
    both get the same refusal, and no email goes out."""
    from webapp.models import OutboxMessage

    reference_event.web_capacity = 1
    db.session.commit()
    travel(OPEN)
    assert signup.post(email="first@example.org").status_code == 303
    mails = db.session.scalar(select(func.count(OutboxMessage.id)))
    pages = []
    for address in ("first@example.org", "someone.else@example.org"):
        response = signup.post(email=address)
        assert response.status_code == 409
        pages.append(text_of(response.get_data(as_text=True)).replace(address, "ADDRESS"))
    assert pages[0] == pages[1]
    assert "all web places for this event are taken" in pages[0]
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == mails


def test_full_event_page_says_so_and_offers_the_waiting_list_instead(
        signup, reference_event, client, travel):
    reference_event.web_capacity = 1
    db.session.commit()
    travel(OPEN)
    signup.post()
    page = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    assert "All web places are taken." in page
    assert f'action="/events/{reference_event.slug}/register"' not in page
    assert f'action="/events/{reference_event.slug}/waiting-list/web"' in page
    assert ">Join the waiting list</button>" in page


def test_cancelled_registration_frees_the_place_and_can_sign_up_again(signup, client, travel):
    travel(OPEN)
    first = signup.register()
    page = client.get(first + "/cancel").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post(first + "/cancel", data={"csrf_token": csrf}).status_code == 303
    again = signup.post()
    assert again.status_code == 303
    registration = db.session.scalars(select(Registration)).one()
    assert registration.status is RegistrationStatus.REGISTERED
    assert registration.token_version == 2
    assert client.get(first).status_code == 404, "the old link was revoked"
    assert client.get(participant_link("anna@example.org")).status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "valid email address"),
        ({"email": ""}, "Please give your email address."),
        ({"name": ""}, "Please give your name."),
        ({"name": "x" * 10_000}, "Field cannot be longer than 200 characters."),
        ({"organisation": "y" * 10_000}, "Field cannot be longer than 200 characters."),
        ({"email": "a" * 10_000 + "@example.org"}, "Field cannot be longer than 254 characters."),
        ({"consent": None}, "Please agree to the processing of your data"),
        ({"name": "Anna\x00Virtanen"}, "printable characters"),
    ],
)
def test_invalid_input_is_422_with_the_message_and_no_row(signup, travel, fields, message):
    travel(OPEN)
    response = signup.post(fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_missing_csrf_token_is_refused(signup, travel):
    travel(OPEN)
    hidden = signup.form_fields()
    del hidden["csrf_token"]
    response = signup.post(hidden=hidden)
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert count() == 0


def test_honeypot_is_refused(signup, travel):
    travel(OPEN)
    assert signup.post(website="http://spam.example").status_code == 400
    assert count() == 0


def test_form_sent_too_fast_is_refused_then_accepted_after_a_moment(app, signup, travel):
    app.config["SIGNUP_MIN_FILL_SECONDS"] = 3
    try:
        travel("2021-11-10 12:00:00")
        hidden = signup.form_fields()
        travel("2021-11-10 12:00:01")
        response = signup.post(hidden=hidden)
        assert response.status_code == 422
        assert "very fast" in response.get_data(as_text=True)
        travel("2021-11-10 12:00:05")
        assert signup.post(hidden=hidden).status_code == 303
    finally:
        app.config["SIGNUP_MIN_FILL_SECONDS"] = 0


def test_forged_start_stamp_is_refused(signup, travel):
    travel(OPEN)
    hidden = signup.form_fields()
    hidden["started"] = "MTYzNjU0MDgwMA.forged"
    response = signup.post(hidden=hidden)
    assert response.status_code == 422
    assert count() == 0


def test_rate_limit_on_sign_up(app, signup, travel):
    app.config["SIGNUP_RATE_LIMIT"] = "3 per minute"
    try:
        travel(OPEN)
        responses = [signup.post(email=f"p{i}@example.org") for i in range(4)]
        assert [r.status_code for r in responses] == [303, 303, 303, 429]
        assert 1 <= int(responses[-1].headers["Retry-After"]) <= 61
        assert "Please wait a minute" in responses[-1].get_data(as_text=True)
        assert count() == 3
    finally:
        app.config["SIGNUP_RATE_LIMIT"] = "1000 per minute"


def test_sign_up_goes_on_when_the_rate_limit_storage_is_down(app, signup, travel, caplog):
    """Counts kept in a Redis that cannot be reached: the sign-up is let through, and logged."""
    app.config.update(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
                      SIGNUP_RATE_LIMIT="1 per minute")
    app.extensions.pop("ratelimit", None)
    try:
        travel(OPEN)
        codes = [signup.post(email=f"q{i}@example.org").status_code for i in range(2)]
        assert codes == [303, 303]
        assert count() == 2
        assert "rate limit check failed" in caplog.text
    finally:
        app.config.update(RATELIMIT_STORAGE_URI="memory://", SIGNUP_RATE_LIMIT="1000 per minute")
        app.extensions.pop("ratelimit", None)


def test_draft_event_is_not_public(client, reference_event, travel):
    reference_event.status = reference_event.status.DRAFT
    db.session.commit()
    travel(OPEN)
    csrf = SignUp(client, "none").form_fields()["csrf_token"]
    assert client.get(f"/events/{reference_event.slug}").status_code == 404
    response = client.post(f"/events/{reference_event.slug}/register", data={"csrf_token": csrf})
    assert response.status_code == 404


def test_cancelled_event_refuses_sign_up(signup, reference_event, travel):
    travel(OPEN)
    hidden = signup.form_fields()
    reference_event.status = reference_event.status.CANCELLED
    db.session.commit()
    response = signup.post(hidden=hidden)
    assert response.status_code == 403
    assert "cancelled" in response.get_data(as_text=True)
    assert count() == 0


def test_unknown_event_is_404(client):
    csrf = SignUp(client, "nope").form_fields()["csrf_token"]
    assert client.get("/events/nope").status_code == 404
    assert client.post("/events/nope/register", data={"csrf_token": csrf}).status_code == 404


# --- HTMX ---------------------------------------------------------------------

HX = {"HX-Request": "true"}


def test_htmx_invalid_post_gets_the_signup_fragment(signup, travel):
    travel(OPEN)
    response = signup.post({"email": "nope"}, headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    title, rest = body.lstrip().split("\n", 1)
    assert title.startswith("<title>Please check the form"), "htmx puts it in the head"
    assert rest.lstrip().startswith('<section id="signup"')
    assert "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_success_redirects_with_hx_redirect(signup, travel):
    travel(OPEN)
    response = signup.post(headers=HX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == f"/events/{signup.slug}/check-your-email"
    assert count() == 1


def test_htmx_event_page_is_the_signup_fragment_and_full_page_otherwise(
        client, reference_event, travel):
    travel(OPEN)
    full = client.get(f"/events/{reference_event.slug}")
    fragment = client.get(f"/events/{reference_event.slug}", headers=HX)
    assert "<html" in full.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="signup"')
    assert "HX-Request" in full.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "nope", "valid email address"),
        ("email", "ok@example.org", ""),
        ("name", "", "Please give your name."),
        ("consent", None, "Please agree"),
    ],
)
def test_inline_validation_of_one_field(signup, client, travel, field, value, message):
    travel(OPEN)
    hidden = signup.form_fields()
    data = {"csrf_token": hidden["csrf_token"]}
    if value is not None:
        data[field] = value
    response = client.post(
        f"/events/{signup.slug}/register/validate",
        data=data, headers={**HX, "HX-Trigger-Name": field},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.startswith(f'<span id="{field}-error"')
    assert message in body
    if not message:
        assert '"polite"></span>' in body


def test_inline_validation_refuses_unknown_fields(signup, client, travel):
    travel(OPEN)
    csrf = signup.form_fields()["csrf_token"]
    response = client.post(f"/events/{signup.slug}/register/validate",
                           data={"csrf_token": csrf},
                           headers={**HX, "HX-Trigger-Name": "csrf_token"})
    assert response.status_code == 400


def test_a_stamp_is_used_once_and_only_in_its_own_session(app, signup, reference_event,
                                                            travel):
    """One stamp fetched once was reused for 684 sign-ups in 21 seconds: no longer."""
    travel(OPEN)
    hidden = signup.form_fields()
    assert signup.post(hidden=hidden, email="first@example.org").status_code == 303
    replayed = signup.post(hidden=hidden, email="second@example.org")
    assert replayed.status_code == 422
    assert "Please send the form again." in replayed.get_data(as_text=True)
    other = SignUp(app.test_client(), reference_event.slug)
    foreign = other.post(hidden={**other.form_fields(), "started": signup.form_fields()["started"]},
                         email="third@example.org")
    assert foreign.status_code == 422 and count() == 1
