"""Signing up for a series: the sign-up form, and which of its events."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms.registration import WebRegistrationForm
from webapp.models import Event


class SeriesSignupForm(WebRegistrationForm):
    """Name, email, organisation, consent (with the sign-up's checks), and the events:
    all those still open, unless some are unticked."""

    events = SelectMultipleField(
        _l("Events"), coerce=int, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Please choose at least one event."))])

    def offer(self, events: list[Event], *, tick_all: bool) -> None:
        """The events that may be chosen (all ticked on a form shown first)."""
        self.events.choices = [SelectChoice(e.id, e.title) for e in events]
        if tick_all:
            self.events.data = [e.id for e in events]

    def chosen(self, events: list[Event]) -> list[Event]:
        """The ticked events, in order."""
        wanted = set(self.events.data or [])
        return [e for e in events if e.id in wanted]
