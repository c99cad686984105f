"""Public pages: event list, event page, sign-up, privacy notice."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from webapp.public import onsite, publications, routes, series  # noqa: E402,F401
