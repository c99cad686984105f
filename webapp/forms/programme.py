"""Coordinators' form for one programme part."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from webapp.forms.events import local_text
from webapp.models import Audience, ProgrammePart

AUDIENCE_CHOICES = [SelectChoice(Audience.EVERYONE.value, _l("Everyone")),
                    SelectChoice(Audience.INVITED_ON_SITE.value,
                                 _l("Invited on-site participants only"))]
PART_TIME_HINT = _l("10:00 on the event's first day, or 2021-11-19 10:00")


class PartTextsForm(Form):
    """A part's texts in one other language."""

    title = StringField(_l("Title"))
    description = TextAreaField(_l("Description"))


class PartForm(FlaskForm):
    """Times, title, description, speakers, streamed, audience, recording."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give a title."))])
    starts_at = StringField(_l("Starts"), description=PART_TIME_HINT,
                            validators=[DataRequired(_l("Please give a start time."))])
    ends_at = StringField(_l("Ends"), description=PART_TIME_HINT,
                          validators=[DataRequired(_l("Please give an end time."))])
    description = TextAreaField(_l("Description"), description=_l("Markdown"))
    speakers = TextAreaField(_l("Speakers"), description=_l("One per line, with their role"))
    streamed = BooleanField(_l("Streamed on the web"))
    audience = SelectField(_l("Audience"), choices=AUDIENCE_CHOICES,
                           default=Audience.EVERYONE.value)
    recording_url = StringField(_l("Recording address (optional)"),
                                description=_l("Else the event's recording"))
    venue_name = StringField(_l("Venue"), description=_l("Empty: the event's venue"))
    venue_address = StringField(_l("Street address"))
    venue_city = StringField(_l("City"))
    venue_map_url = StringField(_l("Map link (optional)"), description=_l("https://…"))
    text_en = FormField(PartTextsForm, label=_l("In English"))
    text_sv = FormField(PartTextsForm, label=_l("In Swedish"))
    text_fi = FormField(PartTextsForm, label=_l("In Finnish"))
    notify = BooleanField(_l("Tell the registered participants if the time changed"))

    def fill_from(self, part: ProgrammePart) -> None:
        """Show ``part``'s values, times in its event's zone."""
        zone = part.event.zone
        self.title.data, self.description.data = part.title, part.description
        self.starts_at.data = local_text(part.starts_at, zone)
        self.ends_at.data = local_text(part.ends_at, zone)
        self.speakers.data = "\n".join(part.speakers or [])
        self.streamed.data, self.audience.data = part.streamed, part.audience.value
        self.recording_url.data = part.recording_url or ""
        self.venue_name.data, self.venue_address.data = part.venue, part.venue_address
        self.venue_city.data, self.venue_map_url.data = part.venue_city, part.venue_map_url or ""
        for language in ("en", "sv", "fi"):
            texts = (part.translations or {}).get(language, {})
            self[f"text_{language}"]["title"].data = texts.get("title", "")
            self[f"text_{language}"]["description"].data = texts.get("description", "")

    def document(self) -> dict:
        """The part as the event format writes it."""
        return {
            "title": (self.title.data or "").strip(),
            "starts_at": (self.starts_at.data or "").strip(),
            "ends_at": (self.ends_at.data or "").strip(),
            "description": (self.description.data or "").strip(),
            "speakers": [line.strip() for line in (self.speakers.data or "").splitlines()
                         if line.strip()],
            "streamed": bool(self.streamed.data),
            "audience": self.audience.data,
            "recording_url": (self.recording_url.data or "").strip() or None,
            "venue": self._venue(),
            "translations": {
                language: {key: (self[f"text_{language}"][key].data or "").strip()
                           for key in ("title", "description")}
                for language in ("en", "sv", "fi")},
        }

    def validate_venue_name(self, field: StringField) -> None:
        """A venue of its own needs a name (an address or a map alone is not one)."""
        others = (self.venue_address.data, self.venue_city.data, self.venue_map_url.data)
        if not (field.data or "").strip() and any((v or "").strip() for v in others):
            raise ValidationError(_l("Please name the venue, or leave its fields empty for "
                                     "the event's venue."))

    def _venue(self) -> dict | None:
        """The part's own venue as the format writes it; None when every field is empty."""
        venue = {key: (self[f"venue_{key}"].data or "").strip()
                 for key in ("name", "address", "city", "map_url")}
        if not any(venue.values()):
            return None
        venue["map_url"] = venue["map_url"] or None
        return venue

    def show_problems(self, problems: dict[tuple, str]) -> None:
        """Each problem at its field (the title's when no field matches)."""
        for path, message in problems.items():
            name = path[0] if path and isinstance(path[0], str) else "title"
            if name == "venue":
                name = f"venue_{path[1]}" if len(path) > 1 else "venue_name"
            name = name if name in self else "title"
            self[name].errors = [*self[name].errors, message]
