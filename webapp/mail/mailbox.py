"""The local mailbox: with no MAIL_SERVER (development, the demo), read the outbox in the app.

Shows every message as the participant would receive it, rendered now. It is
never available in production.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select

from webapp.extensions import db
from webapp.mail.message import build_message
from webapp.mail.render import mail_context
from webapp.models import OutboxMessage

bp = Blueprint("mailbox", __name__, url_prefix="/dev/mail")


@bp.before_request
def only_locally() -> None:
    """404 unless mail is kept locally in a development setting."""
    config = current_app.config
    if not config.get("LOCAL_MAILBOX") or config.get("MAIL_SERVER"):
        abort(404)


@bp.get("/")
def index():
    """Every message in the outbox, newest first."""
    rows = db.session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(500)
    ).all()
    return render_template("mailbox/index.html", rows=rows)


@bp.get("/<int:message_id>")
def show(message_id: int):
    """One message, rendered as it is (or would be) sent."""
    row = db.session.get(OutboxMessage, message_id) or abort(404)
    app = current_app._get_current_object()
    with mail_context(app):
        message = build_message(row)
    return render_template("mailbox/show.html", row=row, message=message)
