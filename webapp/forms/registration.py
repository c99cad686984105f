"""The web-participant sign-up form (its anti-bot checks: webapp/forms/antibot.py)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.forms.antibot import (  # noqa: F401 (tests stamp forms)
    HumanForm,
    _started_serializer,
    new_stamp,
)

FIELDS = ("name", "email", "organisation", "consent")


def normalise_email(address: str) -> str:
    """The address as stored: checked, stripped and lower-cased (unique whatever its case)."""
    checked = validate_email(address.strip(), check_deliverability=False)
    return checked.normalized.lower()


class PersonFields:
    """A form's name, email and organisation: the address checked and normalised, the
    values as the services take them."""

    def validate_email(self, field: StringField) -> None:
        """A syntactically valid address; keep its normalised form."""
        try:
            field.data = normalise_email(field.data)
        except EmailNotValidError:
            raise ValidationError(_l("Please enter a valid email address, like name@example.org."))

    def person(self) -> dict[str, str]:
        """The values, as the services take them."""
        return {"name": self.name.data, "email": self.email.data,
                "organisation": self.organisation.data or ""}


class WebRegistrationForm(PersonFields, HumanForm):
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

    def validate_name(self, field: StringField) -> None:
        """No control characters in a name."""
        if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
            raise ValidationError(_l("Please use printable characters only."))

    validate_organisation = validate_name



class OnSiteRegistrationForm(WebRegistrationForm):
    """The same fields and checks (honeypot, a timing stamp bound to the session and
    used once), for a seat on site; shown with the prefix ``onsite``."""
