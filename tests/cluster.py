"""Production's shape on loopback: Debian's nginx, run from deploy/nginx/webinar-desk.conf
(ports, paths and certificate changed), in front of two gunicorn servers run with
deploy/gunicorn.conf.py, sharing PostgreSQL and Redis. Used by tests/test_cluster.py."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import ROOT

HOST = "events.example.org"
SITE = ROOT / "deploy" / "nginx" / "webinar-desk.conf"


def nginx_binary() -> Path | None:
    """Debian's nginx, if installed."""
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    return Path(found) if Path(found).exists() else None


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for HOST (cert.pem, key.pem); the client trusts it alone."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _replace(text: str, pattern: str, replacement: str) -> str:
    """``re.sub`` that fails loudly when the shipped file no longer has ``pattern``."""
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count, f"deploy/nginx/webinar-desk.conf no longer matches {pattern!r}"
    return changed


def site_config(folder: Path, upstreams: list[int], http_port: int, https_port: int) -> str:
    """The shipped site with loopback ports, the test's certificate and paths."""
    text = SITE.read_text()
    params = re.search(r"^\s*server 127\.0\.0\.1:8000( [^;]*);", text, re.MULTILINE).group(1)
    servers = "".join(f"    server 127.0.0.1:{port}{params};\n" for port in upstreams)
    text = _replace(text, r"^\s*#? ?server [\d.]+:8000[^;]*;\n", "")
    text = _replace(text, r"^(upstream webinar_desk \{\n)", rf"\g<1>{servers}")
    text = _replace(text, r"^\s*listen \[::\].*\n", "")
    text = _replace(text, r"listen 80\b", f"listen 127.0.0.1:{http_port}")
    text = _replace(text, r"listen 443\b", f"listen 127.0.0.1:{https_port}")
    text = _replace(text, r"/etc/letsencrypt/live/[^/]+/fullchain\.pem", str(folder / "cert.pem"))
    text = _replace(text, r"/etc/letsencrypt/live/[^/]+/privkey\.pem", str(folder / "key.pem"))
    text = _replace(text, r"/srv/webinar-desk/webapp/static/", f"{ROOT}/webapp/static/")
    text = _replace(text, r"/var/log/nginx/webinar-desk\.access\.log", str(folder / "access.log"))
    return _replace(text, r"/var/www/letsencrypt", str(folder))


def main_config(folder: Path) -> str:
    """nginx.conf for a foreground nginx whose files all live in ``folder``."""
    temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers may read the tmp dir
    return (f"daemon off;\n{user}worker_processes 1;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log info;\nevents {{ worker_connections 256; }}\n"
            f"http {{\n    include /etc/nginx/mime.types;\n"
            f"    default_type application/octet-stream;\n{temp}"
            f"    access_log {folder}/other-access.log;\n    include {folder}/site.conf;\n}}\n")


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    """Until something accepts connections on ``port`` (fails if the process died)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            assert process.poll() is None, f"exited with {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"nothing on port {port}:\n{log.read_text()}"
            time.sleep(0.1)


@dataclass
class AppServer:
    """One gunicorn, its port and its log (stdout and stderr: the access log is there)."""

    port: int
    log: Path
    process: subprocess.Popen | None = None

    def start(self, env: dict) -> AppServer:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
                 "webapp:create_app()"], cwd=ROOT, env={**env, "GUNICORN_BIND":
                                                        f"127.0.0.1:{self.port}"},
                stdout=output, stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.process, self.log)
        return self

    def stop(self) -> None:
        """SIGTERM (as systemd stops it) and wait for the graceful exit."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def served(self, pattern: str) -> list[str]:
        """Access-log lines matching the regular expression ``pattern``."""
        return [line for line in self.log.read_text().splitlines() if re.search(pattern, line)]


@dataclass
class Answer:
    """What the client got."""

    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Browser:
    """An HTTPS client that keeps cookies, connects to nginx on loopback and speaks to it
    as to HOST (SNI, Host header, certificate checked against the test's own)."""

    port: int
    cafile: Path
    cookies: dict[str, str] = field(default_factory=dict)

    def context(self, alpn: list[str] | None = None) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.cafile))
        if alpn:
            context.set_alpn_protocols(alpn)
        return context

    def connect(self, server_name: str = HOST, alpn: list[str] | None = None) -> ssl.SSLSocket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        try:
            return self.context(alpn).wrap_socket(sock, server_hostname=server_name)
        except BaseException:
            sock.close()
            raise

    def request(self, method: str, path: str, form: dict | None = None, *, host: str = HOST,
                body: bytes | None = None) -> Answer:
        connection = http.client.HTTPSConnection(HOST, self.port, timeout=30)
        connection.sock = self.connect()
        headers = {"Host": host}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:  # as a browser sends a form: Flask-WTF checks the referrer on HTTPS
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"https://{HOST}{path}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, form: dict, **kwargs) -> Answer:
        return self.request("POST", path, form, **kwargs)
