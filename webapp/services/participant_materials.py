"""Which materials a registered participant may open, and until when."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from webapp import clock
from webapp.models import Material, Registration
from webapp.services import DomainError
from webapp.timefmt import long_datetime


class MaterialRefused(DomainError):
    """The link is the participant's own, but the material is not open to them."""

    def __init__(self, status: int, message: str, title: str | None = None):
        super().__init__(message)
        self.status, self.title = status, title


def is_open(material: Material, now: datetime) -> bool:
    """A public material always; one for registered participants until its expiry
    (the event's recording expiry; its last second included)."""
    until = material.available_until()
    return until is None or now.replace(microsecond=0) <= until


def check_material_access(registration: Registration, material: Material,
                          now: datetime | None = None) -> None:
    """Nothing, or MaterialRefused: 403 for a registration that is not active, 410 once
    a registered-only material has expired."""
    if material.is_public:
        return
    if not registration.is_active:
        raise MaterialRefused(403, _("This material is for registered participants, and your "
                                     "registration is not active."))
    if not is_open(material, now or clock.now()):
        raise MaterialRefused(410, _(
            "This material was available to registered participants until %(when)s and has "
            "now expired.", when=long_datetime(material.available_until(),
                                               material.event.zone)),
            _("The material has expired"))


def materials_for(registration: Registration, now: datetime | None = None) -> list[Material]:
    """What the participant's page lists: every public material, and while the
    registration is active those for registered participants that are still open."""
    now = now or clock.now()
    return [m for m in registration.event.materials
            if m.is_public or (registration.is_active and is_open(m, now))]
