"""Helpers for the tests of slots, waiting lists and series: seed 000's conference with
its registration open, and forms posted as a browser would."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.conftest import ROOT, _stamp_now, extract
from webapp.extensions import db
from webapp.models import Event, PartOption, Registration
from webapp.services.event_import import import_event, load_event_file

CONFERENCE = ROOT / "examples" / "national-conference-trafficking-2024.yaml"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
OPEN = "2024-09-20 12:00"  # the conference's sign-up is open (Stockholm time)


def import_conference(**changes) -> Event:
    """Seed 000's conference as shipped (``changes``: fields to set), committed."""
    event = import_event(load_event_file(CONFERENCE))
    for name, value in changes.items():
        setattr(event, name, value)
    db.session.commit()
    return event


def option(event: Event, label: str) -> PartOption:
    """The option with ``label`` (A-H)."""
    return next(o for part in event.slots for o in part.options if o.label == label)


def registration_of(email: str) -> Registration | None:
    """The registration with ``email``, as committed now."""
    db.session.expire_all()
    return db.session.scalar(select(Registration).where(Registration.email == email))


class OnSiteSignUp:
    """Fills and posts the on-site sign-up form of an event page."""

    def __init__(self, client, slug: str):
        self.client, self.slug = client, slug

    def hidden(self) -> dict[str, str]:
        html = self.client.get(f"/events/{self.slug}").get_data(as_text=True)
        started = re.search(r'name="onsite-started" type="hidden" value="([^"]*)"', html)
        return {"onsite-csrf_token": extract(r'"X-CSRFToken": "([^"]*)"', html),
                "onsite-started": started.group(1) if started else _stamp_now(self.client)}

    def post(self, *, choices: dict[PartOption, PartOption | None] | None = None,
             waits=(), url: str | None = None, headers=None, **person):
        """Sign up choosing ``choices`` ({slot part: option}); ``waits``: options whose
        waiting lists to join."""
        body = self.hidden()
        body.update({"onsite-name": "Karin Berg", "onsite-email": "karin@example.se",
                     "onsite-organisation": "Länsstyrelsen", "onsite-consent": "y"})
        body.update({f"onsite-{k}": v for k, v in person.items()})
        for part, chosen in (choices or {}).items():
            if chosen is not None:
                body[f"onsite-slot_{part.id}"] = str(chosen.id)
        for waited in waits:
            body[f"onsite-wait_{waited.part_id}"] = str(waited.id)
        body = {k: v for k, v in body.items() if v is not None}
        return self.client.post(url or f"/events/{self.slug}/register-on-site", data=body,
                                headers=headers or {})


def choose_all(event: Event, *labels: str) -> dict:
    """{slot: option} for option labels given in slot order."""
    return {part: option(event, label) for part, label in zip(event.slots, labels)}


def page_csrf(client, url: str) -> str:
    """The CSRF token a page carries (for htmx, on its body), form or no form."""
    return extract(r'"X-CSRFToken": "([^"]*)"', client.get(url).get_data(as_text=True))
