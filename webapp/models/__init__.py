"""The data model, one module per noun."""

from webapp.models.attendance import Attendance, ViewMode, WatchNetwork
from webapp.models.events import (
    Audience,
    Contact,
    Event,
    EventStatus,
    ProgrammePart,
    RegistrationWindow,
    Series,
)
from webapp.models.outbox import MailKind, MailStatus, OutboxMessage, ScheduleMark
from webapp.models.registrations import (
    Registration,
    RegistrationKind,
    RegistrationStatus,
)

__all__ = [
    "Attendance",
    "ViewMode",
    "WatchNetwork",
    "Audience",
    "Contact",
    "Event",
    "EventStatus",
    "MailKind",
    "MailStatus",
    "OutboxMessage",
    "ProgrammePart",
    "Registration",
    "RegistrationKind",
    "RegistrationStatus",
    "RegistrationWindow",
    "ScheduleMark",
    "Series",
]
