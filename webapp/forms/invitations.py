"""Forms of invitations: the coordinators' (adding invitees, answers given by phone,
reminders to the selected) and the invitee's (answering, asking for a seat)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from webapp.forms.registration import PersonFields

_STRIP = [lambda v: v.strip() if isinstance(v, str) else v]


def _printable(form, field) -> None:
    """No control characters (a line break is allowed in messages)."""
    if any((ord(c) < 32 and c not in "\r\n\t") or ord(c) == 127 for c in field.data or ""):
        raise ValidationError(_l("Please use printable characters only."))


class InviteesForm(FlaskForm):
    """A pasted list or a CSV file of invitees, for a preview."""

    text = TextAreaField(
        _l("Paste invitees"),
        description=_l("One person a line, as copied from Outlook or a spreadsheet: a name, "
                       "an email address and an organisation, or an address alone; several "
                       "people on a line separated by semicolons."))
    file = FileField(_l("Or upload a CSV file"),
                     description=_l("UTF-8 or Excel's CSV; commas or semicolons; a header "
                                    "row (Name, Email, Organisation) is optional"))


class ConfirmInviteesForm(FlaskForm):
    """The previewed list, sent back as it was read, to be read again and saved."""

    text = HiddenField()
    source = HiddenField()  # "paste" or "csv": how ``text`` is read
    send = BooleanField(_l("Send the invitations now"), default=True)


class AnswerByHandForm(FlaskForm):
    """An answer given by phone or mail, with a note."""

    answer = SelectField(_l("Answer"), choices=[
        SelectChoice("accepted", _l("Accepted: attends on site")),
        SelectChoice("declined", _l("Declined"))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000), _printable],
                         filters=_STRIP,
                         description=_l("E.g. 'by phone, 12 Nov'; kept in the audit log"))


class SelectedForm(FlaskForm):
    """Invitations ticked in the table (checked against the event's own)."""

    invitation = SelectMultipleField(coerce=int, validate_choice=False)


class AnswerForm(FlaskForm):
    """Accept on site, or follow on the web; the name only when the invitation has none."""

    name = StringField(_l("Your name"), validators=[Optional(), Length(max=200), _printable],
                       filters=_STRIP)


class DeclineForm(FlaskForm):
    """Not coming, with an optional message to the organisers."""

    message = TextAreaField(_l("Message to the organisers (optional)"),
                            validators=[Optional(), Length(max=2000), _printable],
                            filters=_STRIP)


class SeatRequestForm(PersonFields, FlaskForm):
    """Someone an invitation was forwarded to asks for a seat of their own."""

    name = StringField(_l("Your name"), filters=_STRIP, validators=[
        DataRequired(_l("Please give your name.")), Length(max=200), _printable])
    email = StringField(_l("Your email"), filters=_STRIP, validators=[
        DataRequired(_l("Please give your email address.")), Length(max=254)])
    organisation = StringField(_l("Organisation (optional)"), filters=_STRIP,
                               validators=[Optional(), Length(max=200), _printable])
    consent = BooleanField(
        _l("I agree that my name, email and organisation are processed to answer my request."),
        validators=[DataRequired(_l("Please agree to the processing of your data."))])
