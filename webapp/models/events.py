"""Events, their programme, contacts and series."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, Enum, ForeignKey, Integer, String, Text, false, true
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.types import UTCDateTime

if TYPE_CHECKING:
    from webapp.models.materials import Material
    from webapp.models.options import PartOption


def enum_column(enum_class: type[enum.Enum]) -> Enum:
    """Store an enum by its value as a short string (no native DB enum)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class EventStatus(enum.Enum):
    """Whether an event is visible to the public."""

    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Audience(enum.Enum):
    """Who a programme part is for."""

    EVERYONE = "everyone"
    INVITED_ON_SITE = "invited_on_site"


class RegistrationWindow(enum.Enum):
    """Where an event stands for web sign-up at a given instant."""

    NOT_YET_OPEN = "not_yet_open"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Venue:
    """Where something takes place: a name, and where the name alone is not enough,
    a street address, a city and a map link."""

    name: str
    address: str = ""
    city: str = ""
    map_url: str | None = None

    def __str__(self) -> str:
        return ", ".join(v for v in (self.name, self.address, self.city) if v)


class EventContent:
    """A row that is part of an event as shown (its programme, its contacts, ...).

    Adding, changing or deleting one raises its event's ``revision``, which every
    process-local cache of an event compares (webapp/watch_fastpath.py, the mail
    render cache): a model holding such rows must take this mixin.
    """

    @property
    def owning_event(self) -> Event | None:
        """The event this row belongs to."""
        return self.event


class Series(db.Model):
    """Several events shown together (e.g. five dialogue meetings)."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: Title shown above the grouped events.
    title: Mapped[str] = mapped_column(String(300))
    #: What the series is about, Markdown (its page shows it above the events).
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="Event.starts_at"
    )


class Event(db.Model):
    """A seminar, partly on site, partly streamed."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: URL name, unique.
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: Title in the event's language.
    title: Mapped[str] = mapped_column(String(300))
    #: One or two sentences, plain text, for the list.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Longer description, Markdown (raw HTML is escaped when rendered).
    description: Mapped[str] = mapped_column(Text, default="")
    #: Language the event is held in (and the texts above are written in).
    language: Mapped[str] = mapped_column(String(8), default="en")
    #: The texts in other languages: ``{"sv": {"title": ..., "summary": ...,
    #: "description": ...}}``; pages show the reader's language when it is there.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: Where participants write with questions: the emails' Reply-To (none: emails
    #: invite no reply).
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    #: IANA timezone that all times are shown in.
    timezone: Mapped[str] = mapped_column(String(64))
    #: Where it takes place on site.
    venue: Mapped[str] = mapped_column(String(300), default="")
    #: First and last instant of the event.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Web sign-up window; the closing instant is the last second accepted.
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Invitations: answers (RSVP) are taken until this instant, its last second
    #: included; None: until the event starts.
    rsvp_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The recording is open to registered people until this instant.
    recording_available_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Player or embed URL of the live stream (never shown publicly).
    stream_url: Mapped[str | None] = mapped_column(String(1000))
    #: URL of the recording (never shown publicly); a part's own recording URL wins.
    recording_url: Mapped[str | None] = mapped_column(String(1000))
    #: False when the provider forbids embedding: the watch page links out instead.
    stream_embeddable: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Secret for nginx ``secure_link`` signed media URLs; None: URLs are used as they are.
    media_link_secret: Mapped[str | None] = mapped_column(String(200))
    #: Maximum number of web participants; None means no limit.
    web_capacity: Mapped[int | None] = mapped_column(Integer)
    #: Seats on site (invited experts, on-site sign-up); None means no limit.
    onsite_capacity: Mapped[int | None] = mapped_column(Integer)
    #: The public may sign up on site (a form beside the web sign-up; ``onsite_capacity``).
    onsite_signup: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Last instant participants may change their choices of the slots' options (its
    #: last second is accepted); None: the registration deadline.
    choices_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Double opt-in: a web registration counts only once its email address is confirmed.
    require_email_confirmation: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Draft, published or cancelled.
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus), default=EventStatus.DRAFT
    )
    #: Optional series the event belongs to.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    #: Raised by every change to the event, its programme or its contacts (see
    #: ``bump_event_revisions``): process-local caches of the event compare it.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )

    series: Mapped[Series | None] = relationship(back_populates="events")
    parts: Mapped[list[ProgrammePart]] = relationship(
        back_populates="event",
        order_by="ProgrammePart.position",
        cascade="all, delete-orphan",
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="event",
        order_by="Contact.position",
        cascade="all, delete-orphan",
    )
    materials: Mapped[list[Material]] = relationship(
        back_populates="event",
        order_by="Material.position",
        cascade="all, delete-orphan",
    )

    @property
    def zone(self) -> ZoneInfo:
        """The event's timezone."""
        return ZoneInfo(self.timezone)

    @property
    def place(self) -> Venue | None:
        """Where the event takes place on site, as a venue (None: not said)."""
        return Venue(self.venue) if self.venue else None

    @property
    def contact_address(self) -> str | None:
        """Where people write about the event: its contact address, else its first
        contact with an email (None: nobody)."""
        return self.contact_email or next((c.email for c in self.contacts if c.email), None)

    @property
    def public_materials(self) -> list[Material]:
        """Materials anyone may open."""
        return [m for m in self.materials if m.is_public]

    @property
    def streamed_parts(self) -> list[ProgrammePart]:
        """Parts that web participants can follow."""
        return [p for p in self.parts if p.is_public_stream]

    @property
    def first_streamed_part(self) -> ProgrammePart | None:
        """The streamed part that starts first, if any."""
        return min(self.streamed_parts, key=lambda p: p.starts_at, default=None)

    @property
    def slots(self) -> list[ProgrammePart]:
        """Parts with options to choose from, in programme order."""
        return [p for p in self.parts if p.options]

    @property
    def choices_deadline(self) -> datetime:
        """The last second choices may change: ``choices_close_at``, else the
        registration deadline."""
        return self.choices_close_at or self.registration_closes_at

    def choices_open(self, at: datetime) -> bool:
        """Choices may still be made or changed at instant ``at`` (published, not over)."""
        return (self.status is EventStatus.PUBLISHED
                and at.replace(microsecond=0) <= self.choices_deadline and at < self.starts_at)

    def registration_window(self, at: datetime) -> RegistrationWindow:
        """Where web sign-up stands at instant ``at``.

        The closing instant is the last whole second accepted: at 23:59:59.999
        the deadline 23:59:59 still holds.
        """
        if self.status is EventStatus.CANCELLED:
            return RegistrationWindow.CANCELLED
        if at < self.registration_opens_at:
            return RegistrationWindow.NOT_YET_OPEN
        if at.replace(microsecond=0) > self.registration_closes_at:
            return RegistrationWindow.CLOSED
        return RegistrationWindow.OPEN


class ProgrammePart(EventContent, db.Model):
    """One part of an event's programme."""

    __tablename__ = "programme_parts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Order in the programme, from 0.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Title, e.g. "Part I: The big picture".
    title: Mapped[str] = mapped_column(String(300))
    #: Start and end instant.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Markdown description.
    description: Mapped[str] = mapped_column(Text, default="")
    #: Title and description in other languages: ``{"sv": {"title": ..., ...}}``.
    translations: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    #: Names (with roles) of the speakers, in order.
    speakers: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Whether the part is streamed on the web.
    streamed: Mapped[bool] = mapped_column(default=False)
    #: This part's recording, if it has one of its own (else the event's).
    recording_url: Mapped[str | None] = mapped_column(String(1000))
    #: Everyone, or invited on-site participants only.
    audience: Mapped[Audience] = mapped_column(
        enum_column(Audience), default=Audience.EVERYONE
    )
    #: Where this part takes place, when not at the event's venue: its name, street
    #: address, city and a map link ("" / None: the event's venue).
    venue: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_address: Mapped[str] = mapped_column(String(300), default="", server_default="")
    venue_city: Mapped[str] = mapped_column(String(100), default="", server_default="")
    venue_map_url: Mapped[str | None] = mapped_column(String(1000))

    event: Mapped[Event] = relationship(back_populates="parts")
    materials: Mapped[list[Material]] = relationship(
        back_populates="part", order_by="Material.position")
    #: A part with options is a slot: each registration chooses one of them.
    options: Mapped[list[PartOption]] = relationship(
        back_populates="part", order_by="PartOption.position", cascade="all, delete-orphan")

    @property
    def is_public_stream(self) -> bool:
        """Web participants can follow this part."""
        return self.streamed and self.audience is Audience.EVERYONE

    @property
    def own_venue(self) -> Venue | None:
        """The part's own venue, if it names one."""
        if not self.venue:
            return None
        return Venue(self.venue, self.venue_address, self.venue_city, self.venue_map_url)

    @property
    def place(self) -> Venue | None:
        """Where the part takes place: its own venue, else the event's."""
        return self.own_venue or self.event.place


class Contact(EventContent, db.Model):
    """A person to ask about an event."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    #: Order on the page, from 0.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Full name.
    name: Mapped[str] = mapped_column(String(200))
    #: Title or role, e.g. "Project coordinator".
    role: Mapped[str] = mapped_column(String(300), default="")
    #: Phone number as written.
    phone: Mapped[str] = mapped_column(String(50), default="")
    #: Email address.
    email: Mapped[str] = mapped_column(String(254), default="")

    event: Mapped[Event] = relationship(back_populates="contacts")


@sa_event.listens_for(Session, "before_flush")
def bump_event_revisions(session: Session, flush_context, instances) -> None:
    """Any change to an event or to its content (``EventContent``) raises its revision."""
    changed: set[Event] = set()
    for obj in list(session.dirty) + list(session.new) + list(session.deleted):
        if isinstance(obj, Event) and obj not in session.new and session.is_modified(obj):
            changed.add(obj)
        elif isinstance(obj, EventContent):
            with session.no_autoflush:
                event = obj.owning_event
                if event is None and getattr(obj, "event_id", None) is not None:
                    event = session.get(Event, obj.event_id)  # added by id alone
            if event is not None and event not in session.new:
                changed.add(event)
    for event in changed:
        event.revision = (event.revision or 1) + 1
