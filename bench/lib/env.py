"""The benchmark's environment: the interpreter, the tools, the app's settings.

The app runs as in production (WEBAPP_ENV=production, deploy/gunicorn.conf.py) with
these differences, each needed on a benchmark machine:

- SIGNUP_RATE_LIMIT: wrk sends every sign-up from one address;
- TWO_FACTOR_REQUIRED=false: the coordinator signs in by password alone;
- RATELIMIT_STORAGE_URI stays memory:// (production shares Redis between servers);
- BASE_URL is the server's own loopback address (so TRUSTED_HOSTS is 127.0.0.1).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH = ROOT / "bench"
SECRET = "bench-secret"
PG = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

#: What every process of the benchmark (the app servers, the mail workers, this one)
#: gets on top of the caller's environment.
APP_ENV = {
    "WEBAPP_ENV": "production", "SECRET_KEY": SECRET, "SECRET_KEY_FALLBACKS": "",
    "SECURITY_PASSWORD_SALT": "bench-salt", "SECURITY_TOTP_SECRET": "bench-totp-secret",
    "TWO_FACTOR_REQUIRED": "false", "SIGNUP_RATE_LIMIT": "1000000 per minute",
    "RATELIMIT_STORAGE_URI": "memory://", "TRUSTED_PROXY_COUNT": "0", "TRUSTED_HOSTS": "",
}


def use_project_venv() -> None:
    """Run under the project's .venv (README's install) when started by another Python."""
    venv = ROOT / ".venv"
    if Path(sys.prefix).resolve() == venv.resolve() or not (venv / "bin" / "python").exists():
        return
    if os.environ.get("BENCH_NO_REEXEC"):
        return
    os.environ["BENCH_NO_REEXEC"] = "1"
    python = venv / "bin" / "python"
    os.execv(python, [str(python), *sys.argv])


def check_python() -> None:
    """The packages the benchmark needs, with what to do when one is missing."""
    missing = []
    for module, package in (("flask", "the app (make install)"), ("gunicorn", "gunicorn"),
                            ("aiosmtpd", "aiosmtpd"), ("psycopg", "psycopg")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise SystemExit(f"missing in {sys.prefix}: {', '.join(missing)}; install the test "
                         "extra as `make test` does: .venv/bin/pip install -e '.[test]'")


def ensure_wrk() -> str:
    """wrk's path, installed from Debian first when missing and we may (scripts/ensure-wrk)."""
    if not shutil.which("wrk"):
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-wrk")], check=False)
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk is missing: apt-get install wrk (as root, bench/run.py "
                         "installs it itself)")
    return path


def flask_command() -> list[str]:
    """The ``flask`` command of this interpreter's environment (a mail worker must be
    started as ``flask``: webapp/__init__.py then builds its smaller app)."""
    flask = Path(sys.executable).parent / "flask"
    if not flask.exists():
        raise SystemExit(f"{flask} is missing (make install)")
    return [str(flask)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()
