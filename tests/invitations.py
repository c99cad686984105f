"""Helpers for the invitation tests: add invitees as a coordinator does (preview, then
confirm from the preview page's own form), and open an invitee's link."""

from __future__ import annotations

import html as html_module
import re

from sqlalchemy import select

from tests.conftest import extract
from webapp.extensions import db
from webapp.models import Invitation, OutboxMessage
from webapp.tokens import make_token


def post(client, url: str, data: dict | None = None, form_url: str | None = None, **kwargs):
    """POST a form with the CSRF token of the page that shows it (the page's own, for
    htmx, when it shows no form: a closed invitation can still be posted to)."""
    page = client.get(form_url or url).get_data(as_text=True)
    found = re.search(r'name="[\w-]*csrf_token"[^>]*? value="([^"]+)"', page)
    token = found.group(1) if found else extract(r'"X-CSRFToken": "([^"]*)"', page)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def sign_in_again(app, client, email: str = "coordinator@example.org"):
    """Sign the coordinator in again (after the clock moved past the idle sign-out)."""
    from tests.conftest import sign_in
    from webapp.models import User

    db.session.expire_all()
    sign_in(app, client, db.session.scalars(select(User).where(User.email == email)).one())


def base(event) -> str:
    return f"/manage/events/{event.id}/invitations"


def preview(client, event, text: str | None = None, *, upload: tuple | None = None):
    """POST the paste (or an upload: (bytes, filename)) for a preview."""
    data: dict = {"text": text or ""}
    if upload is not None:
        from io import BytesIO

        data["file"] = (BytesIO(upload[0]), upload[1])
    return post(client, f"{base(event)}/preview", data, form_url=base(event),
                content_type="multipart/form-data")


def confirm(client, event, preview_response, *, send: bool = True):
    """Send the preview page's confirm form as a browser would."""
    page = preview_response.get_data(as_text=True)
    form = extract(r'(?s)(<form method="post" action="[^"]*/invitations/add".*?</form>)', page) \
        if "/invitations/add" in page else ""
    fields = {html_module.unescape(name): html_module.unescape(value) for name, value in
              re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', form, re.S)}
    fields.pop("confirm-send", None)
    if send:
        fields["confirm-send"] = "y"
    return client.post(f"{base(event)}/add", data=fields)


def invite(client, event, text: str, *, send: bool = True):
    """Paste, preview and confirm; returns the confirm's response."""
    response = preview(client, event, text)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return confirm(client, event, response, send=send)


def invitations(event=None) -> list[Invitation]:
    """Invitations as committed now, by id."""
    db.session.expire_all()
    query = select(Invitation).order_by(Invitation.id)
    if event is not None:
        query = query.where(Invitation.event_id == event.id)
    return db.session.scalars(query).all()


def invitation_of(email: str) -> Invitation:
    db.session.expire_all()
    return db.session.scalars(select(Invitation).where(Invitation.email == email)).one()


def link(invitation: Invitation) -> str:
    """``/i/<token>``, as the invitation email gives it."""
    return f"/i/{make_token('invitation', invitation)}"


PREFIXES = {"accept": "answer", "web": "answer", "decline": "decline", "seat": "seat"}


def answer(client, invitation: Invitation, what: str, **data):
    """POST an answer (accept, web, decline, seat) from the invitee's page, its
    fields named as that page's form names them (``seat-email``)."""
    page = link(invitation)
    prefix = PREFIXES[what]
    html = client.get(page).get_data(as_text=True)
    token = extract(r'"X-CSRFToken": "([^"]*)"', html)
    fields = {f"{prefix}-{key}": value for key, value in data.items()}
    return client.post(f"{page}/{what}", data={f"{prefix}-csrf_token": token, **fields})


def outbox_rows(kind=None) -> list[OutboxMessage]:
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


