"""The event format (docs/event-format.md) as a schema: what the YAML/JSON import and the
coordinators' editor both check, so that an event is valid the same way wherever it
comes from. Local dates and times are turned into UTC instants here."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import ngettext
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from webapp.models import Audience, EventStatus, MaterialAccess, MaterialType

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LANGUAGES = ("en", "sv", "fi")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL in text)."""
    if _CONTROL.search(value):
        raise ValueError(_("control characters are not allowed"))
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20000),
                 AfterValidator(_printable)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300),
                 AfterValidator(_printable)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
                  AfterValidator(_printable)]


def check_slug(value: str) -> str:
    """``value`` if it can be an event's address, else ValueError saying what can."""
    if not re.match(SLUG, value) or len(value) > 80:
        raise ValueError(_("use lower-case letters, digits and hyphens (at most 80), "
                           "e.g. nordic-seminar-2021"))
    return value


def _url(value: str) -> str:
    if not re.match(r"^https://[^\s/]+\S*$", value) or len(value) > 1000:
        raise ValueError(_("must be an https:// address (at most 1000 characters)"))
    return value


def _language_code(value: str) -> str:
    if value and not re.match(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", value):
        raise ValueError(_("use a language code such as sv, fi, en or ro"))
    return value


Slug = Annotated[str, AfterValidator(check_slug)]
Url = Annotated[str, AfterValidator(_url)]
LanguageCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=16),
                         AfterValidator(_language_code)]

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


class EventImportError(Exception):
    """The file cannot be imported; the message names the line and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=20000)

    @field_validator("*", mode="before")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        """Plain string fields (slug, timezone, ...) too."""
        return _printable(value) if isinstance(value, str) else value


def _when(value: Any, *, time_allowed: bool = False) -> date | datetime | time:
    """Parse ``2021-11-18``, ``2021-11-18 10:00`` (event time), ISO with offset, or ``10:00``."""
    if isinstance(value, (datetime, date)):
        return value
    text = str(value).strip()
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
        if _DATETIME.match(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        if time_allowed and _TIME.match(text):
            return time.fromisoformat(text)
    except ValueError as error:
        raise ValueError(_("not a valid date or time: %(text)s (%(error)s)", text=repr(text),
                           error=error)) from None
    if time_allowed:
        raise ValueError(_("expected a date (2021-11-18), a date and time (2021-11-18 10:00) "
                           "or a time (10:00)"))
    raise ValueError(_("expected a date (2021-11-18) or a date and time (2021-11-18 10:00)"))


class ContactSpec(_Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Line = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] = ""
    email: EmailStr | Literal[""] = ""


class PartTexts(_Strict):
    """A part's texts in another language."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300),
                     AfterValidator(_printable)] = ""
    description: Text = ""


class EventTexts(_Strict):
    """An event's texts in another language."""

    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300),
                     AfterValidator(_printable)] = ""
    summary: Text = ""
    description: Text = ""


def _texts(value: dict) -> dict:
    """Translations as stored: languages with at least one text, empty texts dropped."""
    out = {}
    for language, texts in value.items():
        kept = {key: text for key, text in texts.model_dump().items() if text}
        if kept:
            out[language] = kept
    return out


class MaterialFields(_Strict):
    """A material's description (an uploaded file has nothing more)."""

    title: Title
    authors: Line = ""
    year: Annotated[int, Field(ge=1000, le=2999)] | None = None
    language: LanguageCode = ""
    type: MaterialType = MaterialType.OTHER
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000),
                       AfterValidator(_printable)] = ""
    access: MaterialAccess = MaterialAccess.PUBLIC
    orderable: bool = False


class MaterialSpec(MaterialFields):
    """A material given as a link: what an event file carries (files are uploaded)."""

    url: Url


class VenueSpec(_Strict):
    """Where a part takes place; written as a name alone or as a mapping."""

    name: Title
    address: Line = ""
    city: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100),
                    AfterValidator(_printable)] = ""
    map_url: Url | None = None


class OptionSpec(_Strict):
    """One of a slot's parallel options (seminar A, B, ...)."""

    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=10),
                     AfterValidator(_printable)] = ""
    title: Title
    description: Text = ""
    language_note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100),
                             AfterValidator(_printable)] = ""
    room: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200),
                    AfterValidator(_printable)] = ""
    seat_limit: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    streamed: bool = False
    translations: dict[Literal[LANGUAGES], PartTexts] = Field(default_factory=dict)

    @property
    def stored_translations(self) -> dict:
        return _texts(self.translations)


class PartSpec(_Strict):
    title: Title
    starts_at: Any
    ends_at: Any
    description: Text = ""
    speakers: list[Line] = Field(default_factory=list, max_length=50)
    streamed: bool = False
    recording_url: Url | None = None
    audience: Audience = Audience.EVERYONE
    translations: dict[Literal[LANGUAGES], PartTexts] = Field(default_factory=dict)
    venue: VenueSpec | None = None
    materials: list[MaterialSpec] = Field(default_factory=list, max_length=50)
    #: A part with options is a slot: each participant chooses one of them.
    options: list[OptionSpec] = Field(default_factory=list, max_length=26)

    @property
    def stored_translations(self) -> dict:
        return _texts(self.translations)

    @field_validator("venue", mode="before")
    @classmethod
    def _venue_name_alone(cls, value: Any) -> Any:
        """``venue: Malmö Police`` is the same as ``venue: {name: Malmö Police}``; an
        empty one means the event's venue."""
        if isinstance(value, str):
            return {"name": value} if value.strip() else None
        return value

    @field_validator("starts_at", "ends_at", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return _when(value, time_allowed=True)

    @model_validator(mode="after")
    def _streamed_options(self) -> PartSpec:
        """An option can be streamed only in a part that is streamed."""
        for index, option in enumerate(self.options):
            if option.streamed and not self.streamed:
                raise ValueError(_("options[%(index)d].streamed: only a streamed part has "
                                   "streamed options (set streamed: true on the part)",
                                   index=index))
        return self


class SeriesSpec(_Strict):
    slug: Slug
    title: Title
    description: Text = ""


class EventSpec(_Strict):
    slug: Slug
    title: Title
    summary: Text = ""
    description: Text = ""
    language: Literal[LANGUAGES] = "en"
    translations: dict[Literal[LANGUAGES], EventTexts] = Field(default_factory=dict)
    contact_email: EmailStr | Literal[""] = ""
    timezone: str
    venue: Line = ""
    starts_at: Any
    ends_at: Any
    registration_opens_at: Any
    registration_closes_at: Any
    recording_available_until: Any = None
    rsvp_closes_at: Any = None
    stream_url: Url | None = None
    recording_url: Url | None = None
    stream_embeddable: bool = True
    media_link_secret: Annotated[
        str, StringConstraints(min_length=16, max_length=200)] | None = None
    require_email_confirmation: bool = False
    web_capacity: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    onsite_capacity: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    onsite_signup: bool = False
    choices_close_at: Any = None
    status: EventStatus = EventStatus.DRAFT
    series: SeriesSpec | None = None
    contacts: list[ContactSpec] = Field(default_factory=list, max_length=50)
    programme: list[PartSpec] = Field(default_factory=list, max_length=200)
    materials: list[MaterialSpec] = Field(default_factory=list, max_length=200)

    @property
    def stored_translations(self) -> dict:
        """The translations, without the event's own language (its texts are the base)."""
        return {lang: texts for lang, texts in _texts(self.translations).items()
                if lang != self.language}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown IANA timezone %(zone)s (e.g. Europe/Helsinki)",
                               zone=repr(value))) from None
        return value

    @field_validator(
        "starts_at", "ends_at", "registration_opens_at", "registration_closes_at",
        "recording_available_until", "rsvp_closes_at", "choices_close_at", mode="before",
    )
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return None if value is None else _when(value)

    @model_validator(mode="after")
    def _resolve_times(self) -> EventSpec:
        """Turn local dates and times into UTC instants and check their order."""
        zone = ZoneInfo(self.timezone)
        self.starts_at = to_utc(self.starts_at, zone)
        self.ends_at = to_utc(self.ends_at, zone, end_of_day=True)
        self.registration_opens_at = to_utc(self.registration_opens_at, zone)
        self.registration_closes_at = to_utc(self.registration_closes_at, zone, end_of_day=True)
        if self.recording_available_until is not None:
            self.recording_available_until = to_utc(
                self.recording_available_until, zone, end_of_day=True
            )
        if self.rsvp_closes_at is not None:
            self.rsvp_closes_at = to_utc(self.rsvp_closes_at, zone, end_of_day=True)
        if self.choices_close_at is not None:
            self.choices_close_at = to_utc(self.choices_close_at, zone, end_of_day=True)
        event_day = self.starts_at.astimezone(zone).date()
        for part in self.programme:
            part.starts_at = to_utc(part.starts_at, zone, day=event_day)
            part.ends_at = to_utc(part.ends_at, zone, day=event_day)
        return self


def to_utc(value: Any, zone: ZoneInfo, *, end_of_day: bool = False,
             day: date | None = None) -> datetime:
    """A UTC instant from a local date (start or end of day), time or datetime."""
    if isinstance(value, datetime):
        local = value if value.tzinfo else value.replace(tzinfo=zone)
    elif isinstance(value, date):
        local = datetime.combine(value, time(23, 59, 59) if end_of_day else time(0), zone)
    elif isinstance(value, time) and day is not None:
        local = datetime.combine(day, value, zone)
    else:
        raise ValueError(_("a time of day needs a date here"))
    return local.astimezone(ZoneInfo("UTC"))


def order_problems(spec: EventSpec) -> list[tuple[tuple, str]]:
    """Each end after its start; the sign-up window before the event ends."""
    problems = []
    if spec.ends_at <= spec.starts_at:
        problems.append((("ends_at",), _("must be after starts_at")))
    if spec.registration_closes_at <= spec.registration_opens_at:
        problems.append((("registration_closes_at",), _("must be after registration_opens_at")))
    if spec.registration_closes_at > spec.ends_at:
        problems.append((("registration_closes_at",), _("must not be after the event ends")))
    if spec.recording_available_until and spec.recording_available_until < spec.ends_at:
        problems.append((("recording_available_until",), _("must not be before the event ends")))
    if spec.rsvp_closes_at and spec.rsvp_closes_at > spec.ends_at:
        problems.append((("rsvp_closes_at",), _("must not be after the event ends")))
    if spec.choices_close_at and spec.choices_close_at > spec.starts_at:
        problems.append((("choices_close_at",), _("must not be after the event starts")))
    for index, part in enumerate(spec.programme):
        if part.ends_at <= part.starts_at:
            problems.append((("programme", index, "ends_at"), _("must be after starts_at")))
    return problems


def problems_of(error: ValidationError) -> list[tuple[tuple, str]]:
    """(field path, message) for each of pydantic's findings, in the reader's language:
    our validators' messages are translated where they are raised; pydantic's own are
    put in words here (any other keeps pydantic's English)."""
    return [(tuple(p["loc"]), _pydantic_message(p)) for p in error.errors()]


def _pydantic_message(problem: dict) -> str:
    kind, ctx = problem["type"], problem.get("ctx") or {}
    message = str(problem["msg"]).removeprefix("Value error, ")
    if kind == "value_error" and message.startswith("value is not a valid email address"):
        return _("value is not a valid email address")
    num = ctx.get("min_length", ctx.get("max_length", 0))
    words = {  # pydantic's own English, in the reader's language
        "missing": lambda: _("Field required"),
        "string_too_short": lambda: ngettext("String should have at least %(num)d character",
                                             "String should have at least %(num)d characters",
                                             num),
        "string_too_long": lambda: ngettext("String should have at most %(num)d character",
                                            "String should have at most %(num)d characters",
                                            num),
        "too_long": lambda: ngettext("List should have at most %(num)d item",
                                     "List should have at most %(num)d items", num),
        "greater_than_equal": lambda: _("Input should be greater than or equal to %(num)s",
                                        num=ctx["ge"]),
        "less_than_equal": lambda: _("Input should be less than or equal to %(num)s",
                                     num=ctx["le"]),
        "int_parsing": lambda: _("Input should be a valid integer"),
        "int_type": lambda: _("Input should be a valid integer"),
        "int_from_float": lambda: _("Input should be a valid integer"),
        "bool_parsing": lambda: _("Input should be a valid boolean"),
        "bool_type": lambda: _("Input should be a valid boolean"),
        "literal_error": lambda: _("Input should be %(expected)s", expected=ctx["expected"]),
        "enum": lambda: _("Input should be %(expected)s", expected=ctx["expected"]),
        "extra_forbidden": lambda: _("Extra inputs are not permitted"),
    }
    return words[kind]() if kind in words else message
