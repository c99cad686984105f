"""Words for the values coordinators see in lists (kinds of email, states, ways of taking
part) and times in an event's zone, as template globals. One translation looked up per
cell: a macro building its whole table of words per row cost the mail list a third of
its time (50 rows, 17 words each)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from webapp.manage import bp

MAIL_KINDS = {
    "confirmation": _l("Confirmation"), "confirm_email": _l("Confirm your address"),
    "stream_link": _l("Stream link"), "reminder": _l("Reminder"),
    "recording": _l("Recording notice"), "cancellation": _l("Cancellation"),
    "resend_link": _l("Link sent again"), "event_cancelled": _l("Event cancelled"),
    "account": _l("Account"), "programme_changed": _l("Programme changed"),
    "links_reissued": _l("New links"), "custom": _l("Message from the organisers"),
    "data_deleted": _l("Data deleted"), "order": _l("Order of a printed copy"),
    "invitation": _l("Invitation"), "invitation_reminder": _l("Invitation reminder"),
    "seat_refused": _l("Seat request refused"), "waiting_joined": _l("On the waiting list"),
    "waiting_offer": _l("Place offered"), "waiting_accepted": _l("Offered place taken"),
    "waiting_lapsed": _l("Offer lapsed"), "waiting_left": _l("Left the waiting list"),
    "waiting_moved": _l("Moved in the waiting list"),
    "series_confirmation": _l("Series confirmation"),
}
MAIL_STATES = {"queued": _l("queued"), "retrying": _l("waiting to retry"),
               "sending": _l("sending"), "sent": _l("sent"), "failed": _l("failed"),
               "skipped": _l("skipped")}
REGISTRATION_STATES = {"registered": _l("registered"),
                       "pending": _l("waiting for address confirmation"),
                       "cancelled": _l("cancelled"), "erased": _l("erased")}
WAYS = {"web": _l("web"), "on_site": _l("on site")}


@bp.app_template_global()
def mail_kinds() -> list[str]:
    """The kinds of email an event's mail list can be filtered by (not the accounts')."""
    return [kind for kind in MAIL_KINDS if kind != "account"]


@bp.app_template_global()
def mail_kind_label(kind) -> str:
    """``Stream link`` for ``stream_link`` (a MailKind or its value)."""
    value = getattr(kind, "value", kind)
    return str(MAIL_KINDS.get(value, value))


def mail_state(row) -> str:
    """queued, sending, sent, failed, skipped; or "retrying": queued again after a failure."""
    status = row.status.value
    if status == "queued" and row.attempts > 0 and row.last_error:
        return "retrying"
    return status


@bp.app_template_global()
def mail_state_label(row) -> Markup:
    """The message's state in words, marked with its class."""
    state = mail_state(row)
    return Markup('<span class="mail-status mail-{}">{}</span>').format(
        state, str(MAIL_STATES[state]))


@bp.app_template_global()
def mail_status_word(status) -> str:
    """A MailStatus in words."""
    return str(MAIL_STATES[status.value])


@bp.app_template_global()
def registration_state_label(registration) -> str:
    """registered, waiting for address confirmation, cancelled, or erased."""
    state = "erased" if registration.purged_at else registration.status.value
    return str(REGISTRATION_STATES[state])


@bp.app_template_global()
def way_label(kind) -> str:
    """web or on site."""
    return str(WAYS[kind.value])


@bp.app_template_global()
def local_time(instant: datetime | None, zone: ZoneInfo) -> Markup:
    """``<time datetime="...">2021-11-18 10:00 EET</time>``, or a dash."""
    if instant is None:
        return Markup("–")
    local = instant.astimezone(zone)
    text = (f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d} {local.tzname()}")
    return Markup(f'<time datetime="{instant.isoformat()}">{escape(text)}</time>')
