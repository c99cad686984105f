"""The coordinators' area under /manage/: everything here is behind sign-in.

One module per noun (events, programme, materials, registrations, exports, mail,
attendance, dashboard, invitations, seat requests, check-in, users, audit).
Anonymous requests are sent
to sign in (401 for htmx); a coordinator sees only the events an admin gave them,
and gets 404 for any other (see ``access``).
"""

from flask import Blueprint, Response, redirect, request
from flask_security import current_user, url_for_security

from webapp.htmx import is_htmx

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
def signed_in_only():
    """Sign in first; an htmx request gets 401 and is sent to sign in (its page's
    session has ended)."""
    if not current_user.is_authenticated:
        login = url_for_security("login", next=request.full_path.rstrip("?"))
        if is_htmx():
            return Response("", 401, {"HX-Redirect": login})
        return redirect(login)
    return None


@bp.after_request
def private(response):
    """Coordinators' pages hold personal data: never stored by a cache."""
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response


from webapp.manage import (  # noqa: E402,F401
    attendance,
    audit,
    checkin,
    dashboard,
    events,
    exports,
    invitations,
    labels,
    mail,
    materials,
    options,
    programme,
    registrations,
    seat_requests,
    users,
    waiting,
)
