"""Coordinators' form for one option of a slot."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FormField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from webapp.forms.programme import PartTextsForm
from webapp.models import PartOption


class OptionForm(FlaskForm):
    """Label, title, description, language note, room, seats, streamed, other languages."""

    label = StringField(_l("Label"), description=_l("Short, e.g. A"))
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give a title."))])
    description = TextAreaField(_l("Description"), description=_l("Markdown"))
    language_note = StringField(_l("Language note"),
                                description=_l("e.g. held in English, when not the event's"))
    room = StringField(_l("Room"))
    seat_limit = IntegerField(_l("Seats"), description=_l("Empty: no limit"),
                              validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    streamed = BooleanField(_l("Streamed (web participants can choose it)"))
    text_en = FormField(PartTextsForm, label=_l("In English"))
    text_sv = FormField(PartTextsForm, label=_l("In Swedish"))
    text_fi = FormField(PartTextsForm, label=_l("In Finnish"))

    def fill_from(self, option: PartOption) -> None:
        """Show ``option``'s values."""
        for name in ("label", "title", "description", "language_note", "room", "seat_limit",
                     "streamed"):
            self[name].data = getattr(option, name)
        for language in ("en", "sv", "fi"):
            texts = (option.translations or {}).get(language, {})
            self[f"text_{language}"]["title"].data = texts.get("title", "")
            self[f"text_{language}"]["description"].data = texts.get("description", "")

    def document(self) -> dict:
        """The option as the event format writes it."""
        data = {name: (self[name].data or "").strip()
                for name in ("label", "title", "description", "language_note", "room")}
        data["seat_limit"] = self.seat_limit.data
        data["streamed"] = bool(self.streamed.data)
        data["translations"] = {
            language: {key: (self[f"text_{language}"][key].data or "").strip()
                       for key in ("title", "description")} for language in ("en", "sv", "fi")}
        return data

    def show_problems(self, problems: dict[tuple, str]) -> None:
        """Each problem at its field (the title's when no field matches)."""
        for path, message in problems.items():
            name = path[0] if path and isinstance(path[0], str) and path[0] in self else "title"
            self[name].errors = [*self[name].errors, message]
