"""One handler for every HTTP error: a page (or a fragment for HTMX)."""

from flask import render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.errors import bp
from webapp.extensions import db
from webapp.htmx import is_htmx


def _titles() -> dict[int, str]:
    return {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        410: _("Gone"),
        413: _("Too much data"),
        422: _("Please check the form"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood."),
        403: _("You cannot do this here."),
        404: _("There is nothing at this address. Check the link, or start from the event list."),
        405: _("This address does not take that kind of request."),
        410: _("This is no longer available."),
        413: _("The form sent more data than any field takes."),
        429: _("Too many attempts in a short time. Please wait a minute and try again."),
        500: _("An error on our side stopped this request. Nothing was saved; please try again."),
    }


def render_error(status: int, message: str | None = None, title: str | None = None):
    """The error page (or just its message for HTMX) with ``status``; ``title`` says
    what happened when the status's own word is too vague ("Gone")."""
    title = title or _titles().get(status, _("Error"))
    message = message or _messages().get(status, "")
    template = "errors/_message.html" if is_htmx() else "errors/error.html"
    return render_template(template, status=status, title=title, message=message), status


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    """The form's security token is missing or expired."""
    return render_error(
        400, _("The form has expired or was sent from elsewhere. "
               "Please reload the page and try again.")
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    """Any HTTP error raised with abort()."""
    if error.code is None or error.code < 400:
        return error
    description = error.description if getattr(error, "user_message", False) else None
    body, status = render_error(error.code, description)
    # The error's own headers stand (Retry-After on 429, Allow on 405), not its body's type.
    headers = [(name, value) for name, value in error.get_headers()
               if name.lower() != "content-type"]
    return body, status, headers


@bp.app_errorhandler(InternalServerError)
def internal_error(error):
    """An unexpected exception: roll back, show a friendly page."""
    db.session.rollback()
    return render_error(500)
