"""Admins' pages for accounts: list, create, disable, and events given to coordinators."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from webapp.db import transactional
from webapp.extensions import db
from webapp.forms.users import GrantForm, NewUserForm
from webapp.htmx import redirect_to
from webapp.manage import bp
from webapp.manage.access import admins_only, event_or_404
from webapp.models import Event, EventAccess, User
from webapp.services.account_mail import send_password_setup
from webapp.services.users import UserError, create_user, grant_event, revoke_event, set_active


def _page(form=None, status=200):
    """Every account with its role and events."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    access = db.session.execute(
        select(EventAccess.user_id, Event).join(Event, Event.id == EventAccess.event_id)
        .order_by(Event.starts_at)).all()
    events_of: dict[int, list[Event]] = {}
    for user_id, event in access:
        events_of.setdefault(user_id, []).append(event)
    grant = GrantForm(formdata=None)
    grant.event_id.choices = [SelectChoice(e.id, e.title) for e in db.session.scalars(
        select(Event).order_by(Event.starts_at.desc()))]
    return render_template("manage/users/index.html", users=users, events_of=events_of,
                           form=form or NewUserForm(formdata=None), grant=grant), status


def _user(user_id: int) -> User:
    admins_only()
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users")
def users():
    """Accounts (admins only)."""
    admins_only()
    return _page()


@bp.post("/users")
@transactional
def new_user():
    """Create an account; its owner gets an email to set a password."""
    admins_only()
    form = NewUserForm()
    if not form.validate():
        return _page(form, 422)
    try:
        user = create_user(form.email.data, admin=form.admin.data)
    except UserError as error:
        form.email.errors = [error.message]
        return _page(form, 422)
    send_password_setup(user)
    flash(_("The account is created; %(email)s gets an email to choose a password.",
            email=user.email), "success")
    return redirect_to(url_for("manage.users"))


@bp.post("/users/<int:user_id>/disable")
@transactional
def disable_user(user_id: int):
    """The account can no longer sign in; its sessions end."""
    set_active(_user(user_id), False)
    flash(_("The account is disabled."), "success")
    return redirect_to(url_for("manage.users"))


@bp.post("/users/<int:user_id>/enable")
@transactional
def enable_user(user_id: int):
    """The account can sign in again."""
    set_active(_user(user_id), True)
    flash(_("The account is enabled."), "success")
    return redirect_to(url_for("manage.users"))


@bp.post("/users/<int:user_id>/events")
@transactional
def grant(user_id: int):
    """Give an event to a coordinator."""
    user = _user(user_id)
    form = GrantForm()
    grant_event(user, event_or_404(form.event_id.data or 0))
    flash(_("%(email)s now manages the event.", email=user.email), "success")
    return redirect_to(url_for("manage.users"))


@bp.post("/users/<int:user_id>/events/<int:event_id>/revoke")
@transactional
def revoke(user_id: int, event_id: int):
    """Take an event back from a coordinator."""
    user = _user(user_id)
    revoke_event(user, event_or_404(event_id))
    flash(_("%(email)s no longer manages the event.", email=user.email), "success")
    return redirect_to(url_for("manage.users"))
