"""The web-participant sign-up form."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import abort, current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp import clock
from webapp.secret_keys import signing_keys

FIELDS = ("name", "email", "organisation", "consent")


def normalise_email(address: str) -> str:
    """The address as stored: checked, stripped and lower-cased (unique whatever its case)."""
    checked = validate_email(address.strip(), check_deliverability=False)
    return checked.normalized.lower()


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
        a form sent too fast, or shown too long ago, is asked to be sent again."""
        if self.website.data:
            abort(400)
        valid = super().validate(extra_validators)
        problem = self.timing_problem()
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
        """Record now as the instant the form was shown."""
        self.started.data = _started_serializer().dumps(int(clock.now().timestamp()))

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

    def seconds_since_shown(self) -> float | None:
        """Seconds since the form was shown, or None if the stamp is missing or forged."""
        try:
            shown = _started_serializer().loads(self.started.data or "")
        except BadSignature:
            return None
        if not isinstance(shown, int):
            return None
        return clock.now().timestamp() - shown
