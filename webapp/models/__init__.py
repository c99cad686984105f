"""The data model, one module per noun."""

from webapp.models.attendance import Attendance, ViewMode, ViewTotal, WatchNetwork
from webapp.models.audit import AuditEntry
from webapp.models.events import (
    Audience,
    Contact,
    Event,
    EventContent,
    EventStatus,
    ProgrammePart,
    RegistrationWindow,
    Series,
    Venue,
)
from webapp.models.invitations import (
    Invitation,
    InvitationAnswer,
    InvitationState,
    SeatRequest,
    SeatRequestStatus,
)
from webapp.models.materials import Material, MaterialAccess, MaterialFile, MaterialType
from webapp.models.options import OptionChoice, PartOption
from webapp.models.outbox import MailKind, MailStatus, OutboxMessage, ScheduleMark
from webapp.models.registrations import (
    Registration,
    RegistrationKind,
    RegistrationStatus,
)
from webapp.models.series_signups import SeriesSignup
from webapp.models.users import ADMIN, COORDINATOR, EventAccess, Role, User, WebAuthn
from webapp.models.waiting import IN_LINE, WaitingEntry, WaitingKind, WaitingStatus

# Tables that refer to an event but are not part of it as shown: rows about people
# and the app's own bookkeeping. Changing them leaves the event's revision alone (a
# sign-up must not empty every cache of its event). Every other table that refers to
# an event holds EventContent (tests/test_watch_fastpath.py checks the mappers).
NOT_EVENT_CONTENT = {
    "registrations": "people, not the event: the watch page reads its one row each time",
    "outbox": "emails about the event",
    "schedule_marks": "the mail worker's bookkeeping",
    "attendance": "who watched",
    "view_totals": "who watched, summed up per person and part",
    "watch_networks": "who watched from where",
    "audit_log": "who changed what: history, not the event as shown",
    "event_access": "which coordinators manage the event",
    "material_files": "the bytes of an uploaded material, read only to serve it: a new file "
                      "changes its material's row (size, checksum), which raises the revision",
    "invitations": "people invited to the event, and their answers",
    "seat_requests": "people asking for a seat of their own",
    "option_choices": "people's choices of a slot's options, not the programme",
    "waiting_entries": "people waiting for a place",
}

__all__ = [
    "ADMIN",
    "AuditEntry",
    "COORDINATOR",
    "EventAccess",
    "Role",
    "User",
    "WebAuthn",
    "EventContent",
    "NOT_EVENT_CONTENT",
    "Attendance",
    "ViewMode",
    "ViewTotal",
    "WatchNetwork",
    "Audience",
    "Invitation",
    "InvitationAnswer",
    "InvitationState",
    "SeatRequest",
    "SeatRequestStatus",
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
    "Venue",
    "Material",
    "MaterialAccess",
    "MaterialFile",
    "MaterialType",
    "SeriesSignup",
    "IN_LINE",
    "OptionChoice",
    "PartOption",
    "WaitingEntry",
    "WaitingKind",
    "WaitingStatus",
]
