"""The publications page's search (a GET form) and the order of a printed copy."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SearchField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from webapp.forms.antibot import HumanForm
from webapp.forms.registration import WebRegistrationForm
from webapp.materials_view import TYPE_LABELS
from webapp.models import MaterialType

MAX_COPIES = 50


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PublicationSearchForm(FlaskForm):
    """Words to find in a title, authors or summary; a type; a year (a GET form: it
    changes nothing, so it carries no CSRF token)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)], filters=[_strip],
                    description=_l("Words from the title, the authors or the summary"))
    type = SelectField(_l("Type"), default="")
    year = SelectField(_l("Year"), default="")

    def __init__(self, years: list[int], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice("", _l("All types"))] + [
            SelectChoice(t.value, label) for t, label in TYPE_LABELS.items()]
        self.year.choices = [SelectChoice("", _l("All years"))] + [
            SelectChoice(str(year), str(year)) for year in years]

    def validate_q(self, field: SearchField) -> None:
        """Printable words (PostgreSQL takes no NUL in a query)."""
        if any(ord(c) < 32 or ord(c) == 127 for c in field.data or ""):
            raise ValidationError(_l("Please use printable characters only."))

    def filters(self) -> dict:
        """The valid criteria (an invalid one is left out: its field says why)."""
        return {
            "text": (self.q.data or "") if not self.q.errors else "",
            "type": MaterialType(self.type.data) if self.type.data and not self.type.errors
            else None,
            "year": int(self.year.data) if self.year.data and not self.year.errors else None,
        }


class OrderForm(HumanForm):
    """Who orders a printed copy, where it goes, how many; plus the anti-bot checks."""

    name = StringField(_l("Name"), filters=[_strip],
                       validators=[DataRequired(_l("Please give your name.")), Length(max=200)])
    organisation = StringField(_l("Organisation (optional)"), filters=[_strip],
                               validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Postal address"), filters=[_strip], validators=[
        DataRequired(_l("Please give the address the copies go to.")), Length(max=500)])
    copies = IntegerField(_l("Number of copies"), default=1, validators=[
        InputRequired(_l("Please give a number of copies.")),
        NumberRange(1, MAX_COPIES, _l("From 1 to %(max)d copies.", max=MAX_COPIES))])
    email = StringField(_l("Email"), filters=[_strip],
                        description=_l("Where we confirm the order"),
                        validators=[DataRequired(_l("Please give your email address.")),
                                    Length(max=254)])

    validate_name = WebRegistrationForm.validate_name
    validate_organisation = WebRegistrationForm.validate_name
    validate_email = WebRegistrationForm.validate_email

    def validate_address(self, field: TextAreaField) -> None:
        """Lines of printable text."""
        cleaned = (field.data or "").replace("\r\n", "\n")
        if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in cleaned):
            raise ValidationError(_l("Please use printable characters only."))
        field.data = cleaned

    def order(self) -> dict:
        """The order's values, as the ordering service takes them."""
        return {"name": self.name.data, "organisation": self.organisation.data or "",
                "address": self.address.data, "copies": self.copies.data,
                "email": self.email.data}
