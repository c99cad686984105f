"""The choice of one option per slot, added to a form: the sign-up forms (web and on
site), the personal page's change of choices. One radio group per slot in which the
registration's kind has something to choose, and on site a "waiting list" choice per
slot among the options that have a seat limit."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from webapp.models import Event, PartOption, Registration, RegistrationKind
from webapp.services.options import choosable, slots_for


class SlotChoices:
    """Reading and checking the slot fields a form class got from ``with_slots``."""

    event: Event
    kind: RegistrationKind

    @property
    def slot_parts(self):
        """The slots this form asks about, in programme order."""
        return slots_for(self.event, self.kind)

    def slot_field(self, part):
        return self[f"slot_{part.id}"]

    def option_for(self, part, value) -> PartOption | None:
        """The option of ``part`` a radio button's value names."""
        return next((o for o in part.options if str(o.id) == str(value)), None)

    def wait_field(self, part):
        name = f"wait_{part.id}"
        return self[name] if name in self else None

    def chosen(self) -> dict[int, int | None]:
        """{slot id: option id or None} as submitted."""
        return {part.id: _int(self.slot_field(part).data) for part in self.slot_parts}

    def waits(self) -> list[PartOption]:
        """The options whose waiting lists the person asked to join."""
        wanted = []
        for part in self.slot_parts:
            field = self.wait_field(part)
            option_id = _int(field.data) if field is not None else None
            option = next((o for o in part.options if o.id == option_id), None)
            if option is not None:
                wanted.append(option)
        return wanted

    def check_required(self, seats: dict[int, int | None]) -> bool:
        """Each slot with a seat left in some option needs a choice; a slot whose
        options are all full may stay unchosen (the person can join a waiting list)."""
        valid = True
        for part in self.slot_parts:
            field = self.slot_field(part)
            available = [o for o in choosable(part, self.kind) if seats.get(o.id) != 0
                         or self.kind is RegistrationKind.WEB]
            if field.data in (None, "", "None") and available:
                field.errors = [*field.errors, _("Please choose one of the options.")]
                valid = False
        return valid

    def fill_from(self, registration: Registration) -> None:
        """The registration's current choices, checked."""
        current = {c.part_id: c.option_id for c in registration.choices}
        for part in self.slot_parts:
            self.slot_field(part).data = str(current.get(part.id) or "")

    def show_full(self, option: PartOption, message: str) -> None:
        """The refusal at the slot's field, and that option proposed for its list."""
        self.slot_field(option.part).errors = [message]
        wait = self.wait_field(option.part)
        if wait is not None and not wait.data:
            wait.data = str(option.id)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def with_slots(base: type, event: Event, kind: RegistrationKind) -> type:
    """A subclass of the form class ``base`` with the slot fields of ``event`` for a
    registration of ``kind``."""
    slots = slots_for(event, kind)
    if not slots:  # one class for every event without slots: making a form class per
        return _without_slots(base, kind)  # request cost more than the rest of the form
    fields: dict = {"event": event, "kind": kind}
    for part in slots:
        options = choosable(part, kind)
        fields[f"slot_{part.id}"] = RadioField(
            part.title, choices=[SelectChoice(str(o.id), o.name) for o in options],
            validators=[Optional()], validate_choice=True)
        limited = [o for o in options if o.seat_limit is not None]
        if kind is RegistrationKind.ON_SITE and limited:
            fields[f"wait_{part.id}"] = SelectField(
                _l("If a seat frees in a full option, offer it to me:"),
                choices=[SelectChoice("", _l("No waiting list"))]
                + [SelectChoice(str(o.id), o.name) for o in limited],
                validators=[Optional()])
    return type(base.__name__, (SlotChoices, base), fields)


@lru_cache(maxsize=16)
def _without_slots(base: type, kind: RegistrationKind) -> type:
    """``base`` with the slot methods and no slot to ask about."""
    return type(base.__name__, (SlotChoices, base), {"event": None, "kind": kind,
                                                     "slot_parts": ()})


class ChoicesForm(FlaskForm):
    """A participant changes their choices (the slot fields come from ``with_slots``)."""
