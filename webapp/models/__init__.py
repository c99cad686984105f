"""The data model, one module per noun."""

from webapp.models.events import (
    Audience,
    Contact,
    Event,
    EventStatus,
    ProgrammePart,
    RegistrationWindow,
    Series,
)
from webapp.models.registrations import (
    Registration,
    RegistrationKind,
    RegistrationStatus,
)

__all__ = [
    "Audience",
    "Contact",
    "Event",
    "EventStatus",
    "ProgrammePart",
    "Registration",
    "RegistrationKind",
    "RegistrationStatus",
    "RegistrationWindow",
    "Series",
]
