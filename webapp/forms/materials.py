"""Coordinators' forms for materials: add a file, add a link, edit one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from webapp.materials_view import TYPE_LABELS, language_name
from webapp.models import Event, Material, MaterialAccess, MaterialType
from webapp.timefmt import time_range

ACCESS_CHOICES = [
    SelectChoice(MaterialAccess.PUBLIC.value, _l("Public: anyone, on the event page and the "
                                                 "publications page, for good")),
    SelectChoice(MaterialAccess.REGISTERED.value, _l("Registered participants only, through "
                                                     "their personal link, until the recording "
                                                     "expires")),
]
#: Languages offered for a material (any code stays possible through the event format).
LANGUAGE_CODES = ("sv", "fi", "en", "da", "nb", "is", "et", "lv", "lt", "de", "fr", "es",
                  "pl", "ro", "bg", "ru", "uk", "ar", "fa", "so")


class MaterialForm(FlaskForm):
    """What every material has: its description, its part, who may open it."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give a title."))])
    authors = StringField(_l("Authors or publisher"),
                          description=_l("As written, e.g. Länsstyrelsen Stockholm & IOM"))
    year = IntegerField(_l("Year of publication"), validators=[
        Optional(), NumberRange(1000, 2999, _l("Please give a year, e.g. 2017."))])
    language = SelectField(_l("Language of the material"), default="")
    type = SelectField(_l("Type"), default=MaterialType.OTHER.value)
    summary = TextAreaField(_l("Summary"), description=_l("A few sentences, plain text"))
    part = SelectField(_l("Belongs to"), default="")
    access = SelectField(_l("Who may open it"), choices=ACCESS_CHOICES,
                         default=MaterialAccess.PUBLIC.value)
    orderable = BooleanField(_l("Readers may order a printed copy from the event's contact"))

    def __init__(self, event: Event, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.type.choices = [SelectChoice(t.value, label) for t, label in TYPE_LABELS.items()]
        self.language.choices = [SelectChoice("", _l("Not said"))] + [
            SelectChoice(code, language_name(code)) for code in LANGUAGE_CODES]
        zone = event.zone
        self.part.choices = [SelectChoice("", _l("The whole event"))] + [
            SelectChoice(str(p.id), f"{p.title} ({time_range(p.starts_at, p.ends_at, zone)})")
            for p in event.parts]
        self._event = event

    def fill_from(self, material: Material) -> None:
        """Show ``material``'s values."""
        for name in ("title", "authors", "year", "summary", "orderable"):
            self[name].data = getattr(material, name)
        if material.language and material.language not in LANGUAGE_CODES:
            self.language.choices.append(SelectChoice(material.language, material.language))
        self.language.data, self.type.data = material.language, material.type.value
        self.access.data = material.access.value
        self.part.data = str(material.part_id) if material.part_id else ""
        if "url" in self:
            self["url"].data = material.url or ""

    def chosen_part(self):
        """The programme part chosen, or None for the whole event."""
        return next((p for p in self._event.parts if str(p.id) == self.part.data), None)

    def document(self) -> dict:
        """The material as the event format writes it."""
        data = {"title": (self.title.data or "").strip(),
                "authors": (self.authors.data or "").strip(), "year": self.year.data,
                "language": self.language.data or "", "type": self.type.data,
                "summary": (self.summary.data or "").strip(), "access": self.access.data,
                "orderable": bool(self.orderable.data)}
        if "url" in self:
            data["url"] = (self["url"].data or "").strip()
        return data

    def show_problems(self, problems: dict[tuple, str]) -> None:
        """Each problem at its field (the title's when no field matches)."""
        for path, message in problems.items():
            name = path[0] if path and isinstance(path[0], str) and path[0] in self else "title"
            if message not in self[name].errors:
                self[name].errors = [*self[name].errors, message]


class FileMaterialForm(MaterialForm):
    """Add an uploaded file."""

    file = FileField(_l("File"), description=_l("PDF, presentation or document; its type is "
                                                "read from its content"),
                     validators=[FileRequired(_l("Please choose a file."))])


class LinkMaterialForm(MaterialForm):
    """Add a link, or edit one."""

    url = StringField(_l("Address (https://)"),
                      validators=[DataRequired(_l("Please give the address."))])


class EditFileMaterialForm(MaterialForm):
    """Edit an uploaded file's description, or replace the file."""

    file = FileField(_l("Replace the file (optional)"),
                     description=_l("PDF, presentation or document; its type is read from its "
                                    "content"))
