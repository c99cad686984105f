"""Passkeys (WebAuthn) for coordinators, through Flask-Security's own views: where we
differ from its defaults.

- The origin a passkey is bound to is BASE_URL's, not the request's (behind a proxy
  that ends TLS the request says http://). The relying party id is the request's host,
  which Flask-Security takes itself; in production TRUSTED_HOSTS holds it to BASE_URL's.
- A passkey that signs in alone ("first") may live on the device itself (a phone, a
  laptop's fingerprint reader): Flask-Security would ask for a separate security key.
- No "remember me" after a passkey either (see ``StaffLoginForm``), and a disabled
  account is not signed in at all.

The pages' script is our static js/passkeys.js (no inline script: the CSP has none).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from flask_security import WebauthnUtil
from flask_security.webauthn import WebAuthnSigninForm, WebAuthnSigninResponseForm


class StaffWebauthnUtil(WebauthnUtil):
    """Flask-Security's relying-party settings, with the two changes above."""

    def origin(self) -> str:
        """BASE_URL's scheme, host and port."""
        parts = urlsplit(current_app.config["BASE_URL"])
        return f"{parts.scheme}://{parts.netloc}"

    def authenticator_selection(self, user, usage: str):
        """Any authenticator, built in or separate, for either use."""
        selection = super().authenticator_selection(user, usage)
        selection.authenticator_attachment = None
        return selection


class StaffWanSigninForm(WebAuthnSigninForm):
    """The passkey sign-in's first step, without "remember me"."""

    def validate(self, **kwargs) -> bool:
        self.remember.data = False
        return super().validate(**kwargs)


class StaffWanSigninResponseForm(WebAuthnSigninResponseForm):
    """The passkey's answer; a "remember" value posted along is dropped, and a disabled
    account is refused (Flask-Security 5.9 notes "Account is disabled." but still
    validates the form and signs the account in, which the next request then undoes)."""

    def validate(self, **kwargs) -> bool:
        self.remember.data = ""
        return super().validate(**kwargs) and not self.credential.errors


#: Flask-Security's form arguments for ``Security.init_app``.
FORMS = {"wan_signin_form": StaffWanSigninForm,
         "wan_signin_response_form": StaffWanSigninResponseForm}
