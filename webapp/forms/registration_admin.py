"""Coordinators' forms for registrations: one per use case."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length


def new_batch() -> str:
    """A name for one press of a button that sends mail: the same form sent twice
    (a double click, a resent POST) sends each message once."""
    return secrets.token_urlsafe(9)


class ResendForm(FlaskForm):
    """Send the person's link again."""

    batch = HiddenField(validators=[DataRequired(), Length(max=40)])


class ActionForm(FlaskForm):
    """A button that needs nothing but the CSRF token (re-issue the links)."""


class CancelRegistrationForm(FlaskForm):
    """Cancel one registration."""

    notify = BooleanField(_l("Tell the person by email"), default=True)


class EraseForm(FlaskForm):
    """Erase the person's data (the confirmation step)."""

    confirm = BooleanField(_l("I understand: the name, address and organisation are erased "
                              "for good; the counts stay"),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


BULK_CHOICES = [
    SelectChoice("resend", _l("Send the link again")),
    SelectChoice("reissue", _l("Revoke and re-issue the links (emailed)")),
    SelectChoice("cancel_notify", _l("Cancel, with an email")),
    SelectChoice("cancel_silent", _l("Cancel, without an email")),
]


class BulkForm(FlaskForm):
    """One action on the registrations ticked in the table."""

    ids = SelectMultipleField(coerce=int, validate_choice=False, validators=[
        InputRequired(_l("Tick at least one registration."))])
    action = SelectField(_l("With the selected"), choices=BULK_CHOICES)
    batch = HiddenField(validators=[DataRequired(), Length(max=40)])
