"""Admins' forms for accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class NewUserForm(FlaskForm):
    """An account for a coordinator (or an admin); they set their password by email."""

    email = StringField(_l("Email"), validators=[
        DataRequired(_l("Please give the address.")), Length(max=254)])
    admin = BooleanField(_l("Admin (sees and changes everything, users included)"))


class GrantForm(FlaskForm):
    """Give an event to a coordinator."""

    event_id = SelectField(_l("Event"), coerce=int)
