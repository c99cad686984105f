"""Emails to invited people and to those who asked for a seat.

They have no registration for the worker to render from, so each is rendered when
queued ("prebuilt", see ``enqueue_prebuilt``), in the event's language, with the
person's link (``/i/<token>``, purpose "invitation" in webapp/tokens.py). Once sent,
the outbox keeps only the subject: the text held the link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from webapp import clock
from webapp.mail.outbox import enqueue_prebuilt
from webapp.mail.render import mail_context, subject_of
from webapp.models import Event, Invitation, MailKind, SeatRequest
from webapp.tokens import make_token


@dataclass(frozen=True)
class _Reader:
    """The person as the email layout greets them (``registration.name``)."""

    name: str


def invitation_url(invitation: Invitation) -> str:
    """The invitee's own absolute link, at the invitation's current token version."""
    with mail_context(current_app._get_current_object()):
        return url_for("participant.invitation", token=make_token("invitation", invitation),
                       _external=True)


def notify_invitation(invitation: Invitation, *, reminder: bool = False) -> int | None:
    """The invitation (or a reminder of it) with the personal link; returns the outbox
    row's id. A reminder goes at most once an hour (a form sent twice sends one)."""
    if reminder:
        bucket = int(clock.now().timestamp()) // 3600
        kind, key = MailKind.INVITATION_REMINDER, (
            f"invitation-reminder:{invitation.id}:v{invitation.token_version}:{bucket}")
    else:
        kind = MailKind.INVITATION
        key = f"invitation:{invitation.id}:v{invitation.token_version}:{invitation.times_sent}"
    values = _rendered(kind, invitation.event, invitation.email,
                       _Reader(invitation.name or invitation.email),
                       invitation=invitation, url=invitation_url(invitation))
    return enqueue_prebuilt(kind, invitation.event, key, values)


def notify_seat_refused(request: SeatRequest, event: Event) -> int | None:
    """A polite no to someone who asked for a seat of their own, with the way to
    follow the event on the web."""
    return enqueue_prebuilt(MailKind.SEAT_REFUSED, event, f"seat-refused:{request.id}",
                            _rendered(MailKind.SEAT_REFUSED, event, request.email,
                                      _Reader(request.name or request.email)))


def _rendered(kind: MailKind, event: Event, to: str, reader: _Reader, **context) -> dict:
    """Subject, text and HTML in the event's language, as ``enqueue_prebuilt`` takes them."""
    with mail_context(current_app._get_current_object()), force_locale(event.language):
        values = {
            "event": event, "registration": reader, "zone": event.zone, "parts": event.parts,
            "deadline": event.rsvp_closes_at or event.starts_at,
            "links": {"event": url_for("public.event_page", slug=event.slug, _external=True),
                      "invitation": context.pop("url", "")},
            **context,
        }
        return {
            "to": to, "reply_to": event.contact_email, "subject": subject_of(kind, event),
            "text": render_template(f"email/{kind.value}.txt", **values),
            "html": render_template(f"email/{kind.value}.html", **values),
        }
