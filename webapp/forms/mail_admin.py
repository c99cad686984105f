"""Coordinators' form for a message of their own to a set of registrants."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

KIND_CHOICES = [SelectChoice("", _l("Everyone registered")),
                SelectChoice("web", _l("Web participants")),
                SelectChoice("on_site", _l("On-site participants"))]
WATCHED_CHOICES = [SelectChoice("", _l("Whether they watched or not")),
                   SelectChoice("none", _l("Who have not watched")),
                   SelectChoice("live", _l("Who watched live")),
                   SelectChoice("recording", _l("Who watched only the recording"))]


class CustomMessageForm(FlaskForm):
    """Subject and text written in the browser, and who gets them."""

    kind = SelectField(_l("To"), choices=KIND_CHOICES, default="")
    watched = SelectField(_l("Of them"), choices=WATCHED_CHOICES, default="")
    subject = StringField(_l("Subject"), validators=[
        DataRequired(_l("Please give a subject.")), Length(max=200)])
    text = TextAreaField(_l("Text"), description=_l(
        "Plain text. Each email begins with “Hello” and the person's name, and ends with "
        "the event, its programme and the person's links."), validators=[
        DataRequired(_l("Please write the message.")), Length(max=10_000)])
    batch = HiddenField(validators=[DataRequired(), Length(max=40)])

    def validate_subject(self, field) -> None:
        """One line: a line break would end the header."""
        if "\n" in field.data or "\r" in field.data:
            raise ValidationError(_l("The subject must be one line."))
        _printable(field)

    def validate_text(self, field) -> None:
        _printable(field)


def _printable(field) -> None:
    """No control characters but line breaks and tabs (a NUL cannot even be stored)."""
    if any(ord(c) < 32 and c not in "\r\n\t" for c in field.data):
        raise ValidationError(_l("Please remove the invisible control characters."))
