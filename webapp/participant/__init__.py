"""Pages reached through signed links: the participant's own page, the watch page, and
the invitee's page."""

from flask import Blueprint

bp = Blueprint("participant", __name__)


@bp.after_request
def private(response):
    """Personal pages: never cached, the token never leaks through Referer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


from webapp.participant import (  # noqa: E402,F401
    choices,
    invitation,
    materials,
    routes,
    series,
    waiting,
    watch,
)
