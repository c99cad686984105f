"""Sign-in for coordinators with Flask-Security: passwords (argon2), two factors (an
authenticator app and recovery codes), passkeys (webapp/passkeys.py), password reset
by email through our outbox, rate limits on every sign-in step, and sessions that end
after an idle time.

Everything Flask-Security serves lives under /manage/ (SECURITY_URL_PREFIX); its
pages use our layout (templates/security/). There is no self-registration: accounts
come from an admin (/manage/users) or ``flask users create``.
"""

from __future__ import annotations

from functools import wraps

from flask import (
    Flask,
    Response,
    after_this_request,
    current_app,
    flash,
    has_request_context,
    request,
    session,
)
from flask_babel import gettext as _
from flask_login import user_logged_in
from flask_security import (
    LoginForm,
    MailUtil,
    Security,
    SQLAlchemyUserDatastore,
    logout_user,
    url_for_security,
)
from flask_security.decorators import default_unauthn_handler
from flask_security.totp import Totp

from webapp import clock
from webapp.extensions import db, limiter
from webapp.htmx import is_htmx
from webapp.passkeys import FORMS as PASSKEY_FORMS
from webapp.passkeys import StaffWebauthnUtil


class StaffTotp(Totp):
    """Flask-Security accepts a TOTP code again within its window; we remember the last
    code's counter, so a code seen over someone's shoulder cannot be used again."""

    def get_last_counter(self, user):
        return user.tf_totp_last_counter

    def set_last_counter(self, user, tmatch):
        user.tf_totp_last_counter = tmatch.counter
        db.session.add(user)


class StaffLoginForm(LoginForm):
    """No "remember me": its cookie (365 days) would outlive the idle timeout."""

    remember = None


class OutboxMailUtil(MailUtil):
    """Flask-Security's emails (password reset, notices) become outbox rows, written in
    the request's transaction and sent by the mail worker like every other email."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        from webapp.mail.outbox import enqueue_account_email

        enqueue_account_email(kwargs.get("user"), str(recipient), template=template,
                              subject=str(subject), text=body, html=html)
        # The forgot-password view commits nothing of its own: the row must not be lost.
        if has_request_context():
            after_this_request(_commit_if_ok)


def _commit_if_ok(response: Response) -> Response:
    if response.status_code < 400:
        db.session.commit()
    return response


security = Security(mail_util_cls=OutboxMailUtil, totp_cls=StaffTotp,
                    webauthn_util_cls=StaffWebauthnUtil)

#: Flask-Security's views whose POSTs are rate-limited (sign-in, codes, reset).
RATE_LIMITED = ("security.login", "security.forgot_password", "security.reset_password",
                "security.two_factor_token_validation", "security.two_factor_rescue",
                "security.mf_recovery", "security.verify", "security.wan_signin",
                "security.wan_signin_response", "security.wan_verify",
                "security.wan_verify_response")


def init_app(app: Flask) -> None:
    """Bind Flask-Security (after CSRFProtect), its limits and the idle timeout."""
    from webapp.models import Role, User, WebAuthn

    security.init_app(app, SQLAlchemyUserDatastore(db, User, Role, webauthn_model=WebAuthn),
                      login_form=StaffLoginForm, **PASSKEY_FORMS,
                      cli_users_name=False, cli_roles_name=False)
    security.unauthn_handler(_unauthenticated)
    for endpoint in RATE_LIMITED:
        _limit_posts(app, endpoint)
    user_logged_in.connect(_seen_now, app)
    _staff_only_hooks(app)


def _unauthenticated(mechanisms, headers=None):
    """htmx: 401 and a redirect to sign in; otherwise Flask-Security's own answer."""
    if is_htmx():
        return Response("", 401, {"HX-Redirect": url_for_security("login")})
    return default_unauthn_handler(mechanisms, headers)


def _limit_posts(app: Flask, endpoint: str) -> None:
    """Count POSTs to a Flask-Security view against SIGNIN_RATE_LIMIT per address."""
    view = app.view_functions[endpoint]
    limited = limiter.limit(lambda: current_app.config["SIGNIN_RATE_LIMIT"])(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        return (limited if request.method == "POST" else view)(*args, **kwargs)

    app.view_functions[endpoint] = wrapper


def _seen_now(sender, user, **extra) -> None:
    session["staff_seen"] = int(clock.now().timestamp())


def idle_timeout() -> None:
    """Sign out a coordinator idle longer than STAFF_IDLE_MINUTES (the session cookie
    is rewritten at most every 30 s to keep the time)."""
    if "_user_id" not in session:
        return
    now, seen = int(clock.now().timestamp()), session.get("staff_seen", 0)
    if now - seen > current_app.config["STAFF_IDLE_MINUTES"] * 60:
        logout_user()
        session.pop("staff_seen", None)
        flash(_("You were signed out after a time without activity. Please sign in again."),
              "info")
    elif now - seen >= 30:
        session["staff_seen"] = now


def _staff_only_hooks(app: Flask) -> None:
    """The idle timeout and Flask-Principal's identity loading run for the sign-in and
    /manage/ pages only: public pages never read a coordinator's session."""
    hooks = app.before_request_funcs[None]
    principal = next((f for f in hooks if f.__module__ == "flask_principal"), None)
    if principal is not None:
        hooks.remove(principal)
    for blueprint in ("security", "manage"):
        staff = app.before_request_funcs.setdefault(blueprint, [])
        staff[:0] = [idle_timeout] + ([principal] if principal is not None else [])


def refuse_demo_account(app: Flask) -> None:
    """Production does not start while the demo coordinator (made by ``make run``, its
    password printed) can sign in."""
    from sqlalchemy import inspect, select

    from webapp.cli_users import DEMO_EMAIL
    from webapp.models import User

    with app.app_context():
        if not inspect(db.engine).has_table("users"):
            return  # not migrated yet (``flask db upgrade`` runs this too)
        if db.session.scalar(select(User.id).where(User.email == DEMO_EMAIL, User.active)):
            raise RuntimeError(f"the demo account {DEMO_EMAIL} is active: production does not "
                               f"start with it (flask users disable {DEMO_EMAIL})")
        db.session.remove()
