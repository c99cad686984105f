"""Coordinators' forms for an event: every field of the event format, times in its zone."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange, Optional

from webapp.models import Event
from webapp.timefmt import in_zone

LANGUAGE_CHOICES = [SelectChoice("en", "English"), SelectChoice("sv", "Svenska"),
                    SelectChoice("fi", "Suomi")]
TIME_HINT = _l("In the event's time zone: 2021-11-18 10:00, or a date alone")
#: Form fields holding a local date and time, and whether a date alone means the day's end.
TIMES = {"starts_at": False, "ends_at": True, "registration_opens_at": False,
         "registration_closes_at": True, "recording_available_until": True,
         "rsvp_closes_at": True,
         "choices_close_at": True}


def local_text(instant, zone) -> str:
    """``2021-11-18 10:00`` in ``zone``; a day's last second as the date alone."""
    if instant is None:
        return ""
    local = in_zone(instant, zone)
    if (local.hour, local.minute, local.second) == (23, 59, 59):
        return f"{local:%Y-%m-%d}"
    return f"{local:%Y-%m-%d %H:%M}"


class ContactForm(Form):
    """One person to ask about the event."""

    name = StringField(_l("Name"))
    role = StringField(_l("Role"))
    phone = StringField(_l("Phone"))
    email = StringField(_l("Email"))


class EventTextsForm(Form):
    """The event's texts in one other language."""

    title = StringField(_l("Title"))
    summary = TextAreaField(_l("Summary"))
    description = TextAreaField(_l("Description"))


LANGUAGE_NAMES = {"en": _l("English"), "sv": _l("Swedish"), "fi": _l("Finnish")}


class EventForm(FlaskForm):
    """All the fields of docs/event-format.md but the programme and the status."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Please give a title."))])
    slug = StringField(_l("Address (slug)"),
                       description=_l("Lower-case letters, digits and hyphens; the public page is "
                                               "/events/ followed by it"),
                       validators=[DataRequired(_l("Please give the event an address."))])
    summary = TextAreaField(_l("Summary"), description=_l("One or two sentences for the list"))
    description = TextAreaField(_l("Description"), description=_l("Markdown"))
    language = SelectField(_l("Language of the event and its emails"), choices=LANGUAGE_CHOICES)
    timezone = StringField(_l("Time zone"), default="Europe/Helsinki",
                           description=_l("IANA name, e.g. Europe/Helsinki or Europe/Stockholm"))
    venue = StringField(_l("Venue"))
    contact_email = StringField(_l("Contact address for participants (optional)"),
                                description=_l("Replies to the emails go here; without it, "
                                               "emails invite no reply"))
    text_en = FormField(EventTextsForm, label=_l("In English"))
    text_sv = FormField(EventTextsForm, label=_l("In Swedish"))
    text_fi = FormField(EventTextsForm, label=_l("In Finnish"))
    starts_at = StringField(_l("Starts"), description=TIME_HINT)
    ends_at = StringField(_l("Ends"), description=TIME_HINT)
    registration_opens_at = StringField(_l("Web sign-up opens"), description=TIME_HINT)
    registration_closes_at = StringField(
        _l("Web sign-up deadline"),
        description=_l("A date alone means the end of that day; its last second is accepted"))
    recording_available_until = StringField(_l("Recording available until"),
                                            description=TIME_HINT)
    rsvp_closes_at = StringField(
        _l("Invitations: answers taken until"),
        description=_l("A date alone means the end of that day; empty: until the event starts"))
    stream_url = StringField(_l("Stream (player) address"), description=_l("https://…"))
    recording_url = StringField(_l("Recording address"), description=_l("https://…"))
    stream_embeddable = BooleanField(_l("The player may be embedded in the watch page"),
                                     default=True)
    media_link_secret = StringField(_l("Media link secret (nginx secure_link, optional)"))
    require_email_confirmation = BooleanField(
        _l("Web sign-ups confirm their address (double opt-in)"))
    web_capacity = IntegerField(_l("Web places"), description=_l("Empty: no limit"),
                                validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    onsite_capacity = IntegerField(_l("Seats on site"), description=_l("Empty: no limit"),
                                   validators=[Optional(), NumberRange(min=0, max=1_000_000)])
    onsite_signup = BooleanField(_l("The public may sign up to attend on site"))
    choices_close_at = StringField(
        _l("Choices of the slots' options can change until"),
        description=_l("Empty: the sign-up deadline. A date alone means the end of that day"))
    series_slug = StringField(_l("Series address (optional)"))
    series_title = StringField(_l("Series title"))
    series_description = TextAreaField(_l("Series description"),
                                       description=_l("Markdown, shown on the series page"))
    contacts = FieldList(FormField(ContactForm), min_entries=1)

    @property
    def zone_choices(self) -> list[str]:
        """For the time-zone field's suggestions."""
        return sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc"))

    def fill_from(self, event: Event) -> None:
        """Show ``event``'s values, its times in its own zone."""
        for name in ("title", "slug", "summary", "description", "language", "timezone", "venue",
                     "stream_url", "recording_url", "stream_embeddable", "media_link_secret",
                     "require_email_confirmation", "web_capacity", "onsite_capacity",
                     "contact_email", "onsite_signup"):
            self[name].data = getattr(event, name)
        for language in LANGUAGE_NAMES:
            texts = (event.translations or {}).get(language, {})
            for key in ("title", "summary", "description"):
                self[f"text_{language}"][key].data = texts.get(key, "")
        for name in TIMES:
            self[name].data = local_text(getattr(event, name), event.zone)
        if event.series is not None:
            self.series_slug.data, self.series_title.data = event.series.slug, event.series.title
            self.series_description.data = event.series.description
        while len(self.contacts):
            self.contacts.pop_entry()
        for contact in event.contacts:
            self.contacts.append_entry({"name": contact.name, "role": contact.role,
                                        "phone": contact.phone, "email": contact.email})
        self.contacts.append_entry()

    def document(self) -> dict:
        """The form as an event document (docs/event-format.md), to be checked as an import is."""
        data = {name: (self[name].data or "").strip() for name in (
            "title", "slug", "summary", "description", "language", "timezone", "venue",
            "contact_email")}
        data["translations"] = {
            language: {key: (self[f"text_{language}"][key].data or "").strip()
                       for key in ("title", "summary", "description")}
            for language in LANGUAGE_NAMES}
        for name in TIMES:
            data[name] = (self[name].data or "").strip() or None
        for name in ("stream_url", "recording_url", "media_link_secret"):
            data[name] = (self[name].data or "").strip() or None
        data["stream_embeddable"] = bool(self.stream_embeddable.data)
        data["require_email_confirmation"] = bool(self.require_email_confirmation.data)
        data["web_capacity"] = self.web_capacity.data
        data["onsite_capacity"] = self.onsite_capacity.data
        data["onsite_signup"] = bool(self.onsite_signup.data)
        if (self.series_slug.data or "").strip():
            data["series"] = {"slug": self.series_slug.data.strip(),
                              "title": (self.series_title.data or "").strip(),
                              "description": (self.series_description.data or "").strip()}
        data["contacts"] = [
            {key: (entry[key].data or "").strip() for key in ("name", "role", "phone", "email")}
            for entry in self.contacts if (entry["name"].data or "").strip()]
        return data

    def show_problems(self, problems: dict[tuple, str]) -> None:
        """Put each problem (a field path of the event document) at its field, unless
        the field's own check already put its message there (one is enough)."""
        spoken: dict[int, bool] = {}
        for path, message in problems.items():
            field = self._field_at(path)
            if spoken.setdefault(id(field), bool(field.errors)):
                continue
            errors = field.errors if isinstance(field.errors, list) else []
            if not isinstance(field.errors, list):
                field.errors = errors
            errors.append(message)

    def _field_at(self, path: tuple):
        """The form field for an event-document path, e.g. ("contacts", 0, "email")."""
        head = path[0] if path else None
        if head == "series":
            return (self.series_title if "title" in path else self.series_description
                    if "description" in path else self.series_slug)
        if head == "translations" and len(path) > 2 and f"text_{path[1]}" in self:
            texts = self[f"text_{path[1]}"]
            return texts[path[2]] if path[2] in ("title", "summary", "description") else texts.title
        if head == "contacts" and len(path) > 2 and isinstance(path[1], int):
            filled = [e for e in self.contacts if (e["name"].data or "").strip()]
            if path[1] < len(filled):
                key = path[2] if path[2] in ("name", "role", "phone", "email") else "name"
                return filled[path[1]][key]
        if isinstance(head, str) and head in self:
            return self[head]
        return self.title


class DuplicateForm(FlaskForm):
    """A copy of the event, some weeks later, at a new address."""

    slug = StringField(_l("Address (slug) of the copy"),
                       validators=[DataRequired(_l("Please give the copy an address."))])
    weeks = IntegerField(_l("Weeks later"), default=52,
                         validators=[DataRequired(_l("Please give a number of weeks.")),
                                     NumberRange(min=1, max=520)])


class CancelForm(FlaskForm):
    """Cancel a published event; everyone registered is told."""

    message = TextAreaField(_l("Message to everyone registered (optional)"))


class ImportForm(FlaskForm):
    """An event file (YAML or JSON) in the documented format."""

    file = FileField(_l("Event file (.yaml, .yml or .json)"),
                     validators=[FileRequired(_l("Please choose a file."))])
