"""Configuration from environment variables.

Every setting is documented in README.md ("Configuration"). The development
defaults are embedded: SQLite in ``instance/``, email kept locally, a secret key
generated once into ``instance/secret_key``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable."""
    return int(_env_number(name, default, int))


def _env_float(name: str, default: float) -> float:
    """Read a decimal-number environment variable."""
    return _env_number(name, default, float)


def _env_number(name: str, default, kind):
    """A number from the environment, or a start-up error naming the variable."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return kind(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, not {value!r}") from None


def _env_minutes_list(name: str, default: str) -> tuple[int, ...]:
    """Comma-separated whole minutes, e.g. ``1440,60``."""
    raw = os.environ.get(name, default)
    try:
        return tuple(int(v) for v in raw.split(",") if v.strip())
    except ValueError:
        raise RuntimeError(
            f"{name} must be whole minutes separated by commas, not {raw!r}") from None


def _env_list(name: str) -> list[str]:
    """Comma-separated words, e.g. ``events.example.org,10.0.0.5``; blanks dropped."""
    return [v.strip() for v in os.environ.get(name, "").split(",") if v.strip()]


def development_secret_key() -> str:
    """Return the development secret, generating it once into ``instance/``."""
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def default_database_url() -> str:
    """The embedded default: an SQLite file in ``instance/``."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{INSTANCE_DIR / 'webinar_desk.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgres://`` / ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings shared by every environment."""

    @classmethod
    def prepare(cls, config: dict) -> None:
        """Complete or check the loaded settings (overridden per environment)."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Earlier keys, oldest first: what they signed (emailed links, sessions, CSRF tokens)
    # is still read; everything new is signed with SECRET_KEY (webapp/secret_keys.py).
    SECRET_KEY_FALLBACKS = _env_list("SECRET_KEY_FALLBACKS")
    # Host names the app answers to (others get 400); None: any. Production's default
    # is BASE_URL's host.
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS") or None
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", "")
    ) or None
    # Checking each pooled connection before use survives a database restart at the
    # cost of a round trip per request (about 7% of watch-page throughput on PostgreSQL;
    # never on SQLite, a file in the same process).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": _env_bool("DATABASE_POOL_PRE_PING", True),
        "pool_recycle": _env_int("DATABASE_POOL_RECYCLE_SECONDS", 1800),
    }
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Europe/Helsinki")
    BABEL_DEFAULT_LOCALE = os.environ.get("DEFAULT_LANGUAGE", "en")
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("en", "sv", "fi")
    # Who is responsible for the data, for the privacy notice and accessibility statement.
    CONTROLLER_NAME = os.environ.get("CONTROLLER_NAME", "")
    CONTROLLER_ADDRESS = os.environ.get("CONTROLLER_ADDRESS", "")
    PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "")
    DPO_CONTACT = os.environ.get("DPO_CONTACT", "")
    MAIL_PROVIDER_NAME = os.environ.get("MAIL_PROVIDER_NAME", "")
    ACCESSIBILITY_CONTACT = os.environ.get("ACCESSIBILITY_CONTACT", "")
    ACCESSIBILITY_ENFORCEMENT_BODY = os.environ.get("ACCESSIBILITY_ENFORCEMENT_BODY", "")
    ACCESSIBILITY_ENFORCEMENT_URL = os.environ.get("ACCESSIBILITY_ENFORCEMENT_URL", "")
    ACCESSIBILITY_STATEMENT_DATE = os.environ.get("ACCESSIBILITY_STATEMENT_DATE", "2026-12-01")

    # Mail (Flask-Mail). Without MAIL_SERVER, mail is kept locally, never sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Webinar Desk <no-reply@localhost>"
    )
    LOCAL_MAILBOX = False  # /dev/mail: read kept mail in the app (never in production)
    MAIL_SUPPRESS_SEND = False  # we decide ourselves: no MAIL_SERVER means kept locally
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 30)

    # Outbox delivery (flask mail work / drain).
    MAIL_BATCH_SIZE = _env_int("MAIL_BATCH_SIZE", 100)
    MAIL_LEASE_SECONDS = _env_int("MAIL_LEASE_SECONDS", 300)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    MAIL_RETRY_BASE_SECONDS = _env_int("MAIL_RETRY_BASE_SECONDS", 60)
    MAIL_RETRY_MAX_SECONDS = _env_int("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
    MAIL_RATE_PER_SECOND = _env_float("MAIL_RATE_PER_SECOND", 0)  # 0: no cap
    MAIL_CONNECTIONS = _env_int("MAIL_CONNECTIONS", 1)
    MAIL_POLL_SECONDS = _env_float("MAIL_POLL_SECONDS", 5)
    # mail work/drain run at least this nice (0-19): sending is background work, so
    # web requests and anything else on the machine get a CPU first.
    MAIL_WORKER_NICE = _env_int("MAIL_WORKER_NICE", 10)

    # When timed messages go out.
    STREAM_LINK_LEAD_HOURS = _env_float("STREAM_LINK_LEAD_HOURS", 24)
    REMINDER_OFFSETS_MINUTES = _env_minutes_list("REMINDER_OFFSETS_MINUTES", "60")
    UNCONFIRMED_TTL_HOURS = _env_float("UNCONFIRMED_TTL_HOURS", 48)
    RESEND_LINK_INTERVAL_MINUTES = _env_int("RESEND_LINK_INTERVAL_MINUTES", 15)
    # A place offered from a waiting list is held this long (never beyond the deadline).
    WAITING_OFFER_HOURS = _env_float("WAITING_OFFER_HOURS", 48)
    # The event page asks for the places left this often while it is open (htmx).
    PLACES_POLL_SECONDS = _env_int("PLACES_POLL_SECONDS", 15)

    # Watch page.
    WATCH_LIVE_LEAD_MINUTES = _env_int("WATCH_LIVE_LEAD_MINUTES", 15)
    WATCH_GRACE_MINUTES = _env_int("WATCH_GRACE_MINUTES", 15)
    WATCH_POLL_SECONDS = _env_int("WATCH_POLL_SECONDS", 30)
    MEDIA_LINK_TTL_MINUTES = _env_int("MEDIA_LINK_TTL_MINUTES", 240)
    WATCH_SHARE_WINDOW_MINUTES = _env_int("WATCH_SHARE_WINDOW_MINUTES", 60)
    WATCH_SHARE_NETWORKS = _env_int("WATCH_SHARE_NETWORKS", 4)

    # Sign-up protection.
    SIGNUP_MIN_FILL_SECONDS = _env_int("SIGNUP_MIN_FILL_SECONDS", 3)
    SIGNUP_FORM_MAX_AGE_SECONDS = _env_int("SIGNUP_FORM_MAX_AGE_SECONDS", 6 * 3600)
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per minute")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")

    # Request size: no form of ours is anywhere near this, but the upload of a material
    # (webapp/uploads.py), which takes files up to MATERIAL_MAX_MB.
    MAX_CONTENT_LENGTH = 64 * 1024
    MATERIAL_MAX_MB = _env_int("MATERIAL_MAX_MB", 25)
    # How long browsers and caches may keep a public material's file before asking again.
    MATERIAL_CACHE_SECONDS = _env_int("MATERIAL_CACHE_SECONDS", 3600)
    # Orders of printed copies from the publications page, per client address.
    ORDER_RATE_LIMIT = os.environ.get("ORDER_RATE_LIMIT", "5 per hour")
    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the session

    # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none trusted).
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # /metrics (Prometheus): a Bearer token and/or client addresses (IPs or networks);
    # with neither, /metrics answers 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    METRICS_ALLOWED_ADDRESSES = _env_list("METRICS_ALLOWED_ADDRESSES")
    # Privacy: personal data is removed this many days after an event's recording expires.
    PRIVACY_RETENTION_DAYS = _env_int("PRIVACY_RETENTION_DAYS", 30)

    # Coordinators' sign-in (Flask-Security) under /manage/.
    SECURITY_URL_PREFIX = "/manage"
    SECURITY_PASSWORD_HASH = "argon2"
    # Mixed into every password hash, and the key that encrypts the two-factor secrets:
    # kept apart from SECRET_KEY, so that rotating that key breaks no password.
    SECURITY_PASSWORD_SALT = os.environ.get("SECURITY_PASSWORD_SALT")
    SECURITY_TOTP_SECRETS = ({"1": os.environ["SECURITY_TOTP_SECRET"]}
                             if os.environ.get("SECURITY_TOTP_SECRET") else None)
    SECURITY_TOTP_ISSUER = os.environ.get("SITE_NAME", "Webinar Desk")
    SECURITY_PASSWORD_LENGTH_MIN = 12
    SECURITY_REGISTERABLE = False
    SECURITY_CHANGEABLE = True
    SECURITY_RECOVERABLE = True
    SECURITY_RESET_PASSWORD_WITHIN = timedelta(hours=2)
    SECURITY_EMAIL_VALIDATOR_ARGS = {"check_deliverability": False}
    SECURITY_RETURN_GENERIC_RESPONSES = True  # the same answer whether an account exists
    SECURITY_API_ENABLED_METHODS = ["session"]
    SECURITY_POST_LOGIN_VIEW = "/manage/"
    SECURITY_POST_LOGOUT_VIEW = "/manage/login"
    SECURITY_TWO_FACTOR = True
    SECURITY_TWO_FACTOR_ENABLED_METHODS = ["authenticator"]
    # A second factor for every coordinator (TWO_FACTOR_REQUIRED; on unless turned off).
    SECURITY_TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", True)
    SECURITY_TWO_FACTOR_ALWAYS_VALIDATE = True
    SECURITY_TWO_FACTOR_RESCUE_EMAIL = False
    SECURITY_TWO_FACTOR_POST_SETUP_VIEW = "/manage/"
    SECURITY_MULTI_FACTOR_RECOVERY_CODES = True
    SECURITY_MULTI_FACTOR_RECOVERY_CODES_N = 8
    # Passkeys (WebAuthn, webapp/passkeys.py): registered under /manage/wan-register, each
    # either to sign in alone ("first": the passkey's PIN or fingerprint is the second
    # factor) or after the password instead of the authenticator code ("secondary").
    # The relying party is BASE_URL's host: its origin is the one passkeys are bound to.
    SECURITY_WEBAUTHN = True
    SECURITY_WAN_ALLOW_AS_FIRST_FACTOR = True
    SECURITY_WAN_ALLOW_AS_MULTI_FACTOR = True
    SECURITY_WAN_RP_NAME = os.environ.get("SITE_NAME", "Webinar Desk")
    # Passkeys are discoverable: the sign-in asks for no address, and so never tells
    # whether an account (or its passkeys) exists.
    SECURITY_WAN_ALLOW_USER_HINTS = False
    SECURITY_FRESHNESS = timedelta(minutes=15)
    SECURITY_FRESHNESS_GRACE_PERIOD = timedelta(minutes=2)
    SECURITY_DEFAULT_REMEMBER_ME = False
    SECURITY_I18N_DIRNAME = ["builtin", str(BASE_DIR / "translations")]
    SECURITY_MSG_LOGIN = ("Please sign in to see this page.", "info")
    # Sign-in, code and reset POSTs per client address (limits syntax).
    SIGNIN_RATE_LIMIT = os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute")
    # A coordinator's session ends after this many minutes without a request.
    STAFF_IDLE_MINUTES = _env_int("STAFF_IDLE_MINUTES", 30)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = BASE_URL.startswith("https://")


def derived_secret(secret_key: str):
    """Development only: secrets derived from the generated development key."""
    import hashlib

    return lambda name: hashlib.sha256(f"{name}|{secret_key}".encode()).hexdigest()


class DevelopmentConfig(Config):
    """Local use: embedded defaults everywhere."""

    LOCAL_MAILBOX = True
    DEMO_ACCOUNT_ALLOWED = True  # `flask users demo` (make run)
    # The demo coordinator signs in with a password alone (TWO_FACTOR_REQUIRED=true asks
    # for the second factor here too).
    SECURITY_TWO_FACTOR_REQUIRED = _env_bool("TWO_FACTOR_REQUIRED", False)

    @classmethod
    def prepare(cls, config: dict) -> None:
        """Fill in the embedded defaults for whatever the environment left unset."""
        config["SECRET_KEY"] = config.get("SECRET_KEY") or development_secret_key()
        config["SQLALCHEMY_DATABASE_URI"] = (
            config.get("SQLALCHEMY_DATABASE_URI") or default_database_url()
        )
        derived = derived_secret(config["SECRET_KEY"])
        config["SECURITY_PASSWORD_SALT"] = config.get("SECURITY_PASSWORD_SALT") or derived("salt")
        config["SECURITY_TOTP_SECRETS"] = config.get("SECURITY_TOTP_SECRETS") or {
            "1": derived("totp")}


class ProductionConfig(Config):
    """Production: refuses to start without a real secret and database."""

    REFUSE_DEMO_ACCOUNT = True  # the demo coordinator's password was printed on a screen

    @classmethod
    def prepare(cls, config: dict) -> None:
        """Raise if a setting production cannot run without is missing."""
        if not config.get("SECRET_KEY"):
            raise RuntimeError("SECRET_KEY must be set in production.")
        if not config.get("SQLALCHEMY_DATABASE_URI"):
            raise RuntimeError("DATABASE_URL must be set in production.")
        for name in ("SECURITY_PASSWORD_SALT", "SECURITY_TOTP_SECRETS"):
            if not config.get(name):
                raise RuntimeError(f"{name.replace('_SECRETS', '_SECRET')} must be set in "
                                   "production (see README, Production).")
        if config.get("TRUSTED_HOSTS") is None:  # answer to BASE_URL's host only
            from urllib.parse import urlsplit

            config["TRUSTED_HOSTS"] = [urlsplit(config["BASE_URL"]).hostname]


class TestConfig(Config):
    """Tests: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL", "")
    ) or "sqlite://"
    SIGNUP_MIN_FILL_SECONDS = 0
    SIGNUP_RATE_LIMIT = "1000 per minute"
    ORDER_RATE_LIMIT = "1000 per minute"
    LOCAL_MAILBOX = True
    MAIL_SERVER = None
    MAIL_WORKER_NICE = 0  # drain runs inside the test process
    BASE_URL = "http://localhost"
    SESSION_COOKIE_SECURE = False
    SECURITY_PASSWORD_SALT = "test-password-salt"
    SECURITY_TOTP_SECRETS = {"1": "test-totp-secret"}
    SECURITY_TWO_FACTOR_REQUIRED = True
    # Cheap argon2 in tests only (the hash is still argon2id).
    SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS = {
        "argon2__rounds": 1, "argon2__memory_cost": 8, "argon2__parallelism": 1}
    SIGNIN_RATE_LIMIT = "1000 per minute"


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}
