"""Materials handed out with an event: reports, manuals, brochures, slides.

A material is an uploaded file or a link, attached to an event or to one of its
programme parts. The bytes of a file live in a table of their own
(``material_files``), read only when the file is served: lists of materials never
load them.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, false
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp import clock
from webapp.extensions import db
from webapp.models.events import Event, EventContent, ProgrammePart, enum_column
from webapp.models.types import UTCDateTime


class MaterialType(enum.Enum):
    """What kind of publication a material is."""

    REPORT = "report"
    MANUAL = "manual"
    BROCHURE = "brochure"
    SLIDES = "slides"
    OTHER = "other"


class MaterialAccess(enum.Enum):
    """Who may open a material."""

    #: Anyone: the event page and the publications page list it; it stays.
    PUBLIC = "public"
    #: Registered participants, through their personal link, until the recording expires.
    REGISTERED = "registered"


class Material(EventContent, db.Model):
    """A file or a link handed out with an event or one of its parts."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: The programme part it belongs to; None: the whole event.
    part_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_parts.id", ondelete="SET NULL"), index=True)
    #: Order in the event's list, from 0.
    position: Mapped[int] = mapped_column(Integer, default=0)
    #: Title as the publication gives it.
    title: Mapped[str] = mapped_column(String(300))
    #: Who wrote or published it, as written ("Länsstyrelsen Stockholm & IOM").
    authors: Mapped[str] = mapped_column(String(300), default="")
    #: Year of publication.
    year: Mapped[int | None] = mapped_column(Integer)
    #: Language of the material (ISO 639-1, e.g. "sv"); "" when not said.
    language: Mapped[str] = mapped_column(String(16), default="")
    #: Report, manual, brochure, slides or other.
    type: Mapped[MaterialType] = mapped_column(enum_column(MaterialType),
                                               default=MaterialType.OTHER)
    #: A short summary, plain text.
    summary: Mapped[str] = mapped_column(Text, default="")
    #: Public, or for registered participants only.
    access: Mapped[MaterialAccess] = mapped_column(enum_column(MaterialAccess),
                                                   default=MaterialAccess.PUBLIC)
    #: Readers may order a printed copy from the event's contact.
    orderable: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The https address of a link; None for an uploaded file.
    url: Mapped[str | None] = mapped_column(String(1000))
    #: An uploaded file's name as served, its checked content type, size and SHA-256.
    filename: Mapped[str | None] = mapped_column(String(200))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: Title, authors and summary case-folded, for the publications search.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Bookkeeping.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now,
                                                 onupdate=clock.now)

    event: Mapped[Event] = relationship(back_populates="materials")
    part: Mapped[ProgrammePart | None] = relationship(back_populates="materials")

    @property
    def is_file(self) -> bool:
        """An uploaded file (served by the app), not a link."""
        return self.url is None

    @property
    def is_public(self) -> bool:
        """Anyone may open it."""
        return self.access is MaterialAccess.PUBLIC

    def available_until(self) -> datetime | None:
        """Until when registered participants may open a registered-only material: the
        event's recording expiry (None: no end). Public materials stay."""
        return None if self.is_public else self.event.recording_available_until


class MaterialFile(db.Model):
    """The bytes of an uploaded material, read only when the file is served."""

    __tablename__ = "material_files"

    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), primary_key=True)
    #: The file as uploaded.
    data: Mapped[bytes] = mapped_column(LargeBinary)


def search_text_of(material: Material) -> str:
    """What the publications search looks in, case-folded (SQLite's lower() folds ASCII
    only: "Människohandel" must be found by "människo")."""
    return " ".join(v for v in (material.title, material.authors, material.summary) if v
                    ).casefold()


@sa_event.listens_for(Material, "before_insert")
@sa_event.listens_for(Material, "before_update")
def _keep_search_text(mapper, connection, material: Material) -> None:
    material.search_text = search_text_of(material)
