"""The web-participant sign-up form."""

from __future__ import annotations

import hashlib
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import abort, current_app, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp import clock
from webapp.extensions import limiter
from webapp.secret_keys import signing_keys

FIELDS = ("name", "email", "organisation", "consent")


def normalise_email(address: str) -> str:
    """The address as stored: checked, stripped and lower-cased (unique whatever its case)."""
    checked = validate_email(address.strip(), check_deliverability=False)
    return checked.normalized.lower()


def _session_binding() -> str:
    """A short digest of this session's CSRF secret: a stamp fetched by one visitor
    (or bot) is no use in another session."""
    generate_csrf()  # makes the session's secret on a first visit
    secret = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), "")
    return hashlib.sha256(f"stamp|{secret}".encode()).hexdigest()[:16]


def _started_serializer() -> URLSafeSerializer:
    """Signs with SECRET_KEY, reads with SECRET_KEY_FALLBACKS too (a form shown before a
    key rotation can still be sent)."""
    return URLSafeSerializer(list(signing_keys(current_app.config)),
                             salt="webinar-desk/form-started")


class WebRegistrationForm(FlaskForm):
    """Name, email, organisation, consent; plus a honeypot and a signed start time."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Please give your name.")), Length(max=200)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    email = StringField(
        _l("Email"),
        validators=[DataRequired(_l("Please give your email address.")), Length(max=254)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    organisation = StringField(
        _l("Organisation (optional)"),
        validators=[Optional(), Length(max=200)],
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
    )
    consent = BooleanField(
        _l("I agree that my name, email and organisation are processed to run this event."),
        validators=[DataRequired(_l("Please agree to the processing of your data to register."))],
    )
    #: Honeypot: hidden from people, filled in by bots.
    website = StringField(_l("Leave this field empty"))
    #: Signed instant the form was shown, for the minimum fill time.
    started = HiddenField()

    def validate_name(self, field: StringField) -> None:
        """No control characters in a name."""
        if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
            raise ValidationError(_l("Please use printable characters only."))

    validate_organisation = validate_name

    def validate_email(self, field: StringField) -> None:
        """A syntactically valid address; keep its normalised form."""
        try:
            field.data = normalise_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Please enter a valid email address, like name@example.org."))

    def validate(self, extra_validators=None) -> bool:
        """The fields, then the anti-bot checks: a filled honeypot is refused (400);
        a form sent too fast, shown too long ago, or whose stamp is another session's
        or was used already, is asked to be sent again. The stamp is used up only by
        a form that passes everything else."""
        if self.website.data:
            abort(400)
        valid = super().validate(extra_validators)
        problem = self.timing_problem()
        if valid and not problem and not self._stamp_is_fresh():
            problem = _("Please send the form again.")
        if problem:
            self.form_errors.append(problem)
        if not valid or problem:
            self.stamp()  # the form is shown again: it starts now
        return valid and not problem

    def person(self) -> dict[str, str]:
        """The sign-up's values, as the registration service takes them."""
        return {"name": self.name.data, "email": self.email.data,
                "organisation": self.organisation.data or ""}

    def stamp(self) -> None:
        """Record now as the instant the form was shown, for this visitor's session,
        with a number used once."""
        self.started.data = _started_serializer().dumps(
            [int(clock.now().timestamp()), secrets.token_hex(8), _session_binding()])

    def timing_problem(self) -> str | None:
        """A message when the form was sent too fast (a bot) or is too old to trust."""
        elapsed = self.seconds_since_shown()
        config = current_app.config
        if elapsed is None:
            return _("Please send the form again.")
        if elapsed < config["SIGNUP_MIN_FILL_SECONDS"]:
            return _("That was very fast. Please check the form and send it again.")
        if elapsed > config["SIGNUP_FORM_MAX_AGE_SECONDS"]:
            return _("The form was open for a long time. Please check it and send it again.")
        return None

    def _stamp(self) -> list | None:
        """[shown at, nonce, session binding] from the signed stamp, or None."""
        try:
            stamp = _started_serializer().loads(self.started.data or "")
        except BadSignature:
            return None
        valid = (isinstance(stamp, list) and len(stamp) == 3 and type(stamp[0]) is int
                 and all(isinstance(v, str) for v in stamp[1:]))
        return stamp if valid else None

    def seconds_since_shown(self) -> float | None:
        """Seconds since the form was shown, or None if the stamp is missing or forged."""
        stamp = self._stamp()
        return None if stamp is None else clock.now().timestamp() - stamp[0]

    def _stamp_is_fresh(self) -> bool:
        """The stamp was made for this session and is used for the first time."""
        stamp = self._stamp()
        if stamp is None or stamp[2] != _session_binding():
            return False
        return limiter.first_use(f"signup-stamp:{stamp[1]}",
                                 current_app.config["SIGNUP_FORM_MAX_AGE_SECONDS"])


class OnSiteRegistrationForm(WebRegistrationForm):
    """The same fields and checks (honeypot, a timing stamp bound to the session and
    used once), for a seat on site; shown with the prefix ``onsite``."""
