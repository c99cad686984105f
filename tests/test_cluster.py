"""Several app servers as one: nginx (deploy/nginx/webinar-desk.conf) in front of two
gunicorn servers sharing PostgreSQL and Redis. Sign-ups through either land, the rate
limit counts across both, a session and a CSRF token made by one work on the other,
and a stopped server loses no request that nginx can pass on.

Runs on PostgreSQL only; skipped where nginx is missing (not under CI: `make test`
installs it as root with scripts/ensure-nginx).
"""

from __future__ import annotations

import os
import re
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.request import Request, urlopen

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from tests.cluster import (
    AppServer,
    Browser,
    main_config,
    make_certificate,
    nginx_binary,
    site_config,
    wait_for_port,
)
from tests.conftest import PASSWORD, extract, reference_event_now
from tests.smtp import free_port
from webapp.extensions import db
from webapp.models import Registration
from webapp.tokens import make_token

REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own database number
METRICS_TOKEN = "cluster-metrics-token"


@pytest.fixture(scope="module")
def nginx(app):
    """The nginx binary, or the reason the test cannot run."""
    if not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        pytest.skip("several app servers need PostgreSQL")
    found = nginx_binary()
    if found is None:
        reason = "nginx is missing (apt-get install nginx; `make test` installs it as root)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"the cluster test cannot be skipped under CI: {reason}")
        pytest.skip(reason)
    return found


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return client


@dataclass
class Cluster:
    """nginx on loopback in front of ``servers``."""

    servers: list[AppServer]
    browser_port: int
    folder: object

    def browser(self) -> Browser:
        return Browser(self.browser_port, self.folder / "cert.pem")

    def nginx_log(self, name: str) -> str:
        return (self.folder / name).read_text()


def server_env(app, folder) -> dict:
    """Production settings shared by both app servers."""
    return {**os.environ, "WEBAPP_ENV": "production", "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": str(app.config["SQLALCHEMY_DATABASE_URI"]),
            "SECURITY_PASSWORD_SALT": app.config["SECURITY_PASSWORD_SALT"],
            "SECURITY_TOTP_SECRET": app.config["SECURITY_TOTP_SECRETS"]["1"],
            "BASE_URL": "https://events.example.org", "RATELIMIT_STORAGE_URI": REDIS_URL,
            "TRUSTED_PROXY_COUNT": "1", "TRUSTED_HOSTS": "events.example.org,127.0.0.1",
            "SIGNUP_RATE_LIMIT": "5 per minute", "SIGNUP_MIN_FILL_SECONDS": "0",
            "TWO_FACTOR_REQUIRED": "false", "METRICS_TOKEN": METRICS_TOKEN,
            "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2"}


@pytest.fixture(scope="module")
def cluster(app, nginx, tmp_path_factory):
    """Two gunicorn servers and nginx, for the whole module."""
    _redis()
    folder = tmp_path_factory.mktemp("cluster")
    make_certificate(folder)
    env = server_env(app, folder)
    servers = [AppServer(free_port(), folder / f"server{n}.log") for n in (1, 2)]
    try:
        for n, server in enumerate(servers, 1):
            server.start({**env, "PROMETHEUS_MULTIPROC_DIR": str(folder / f"metrics{n}")})
        http_port, https_port = free_port(), free_port()
        (folder / "site.conf").write_text(
            site_config(folder, [s.port for s in servers], http_port, https_port))
        (folder / "nginx.conf").write_text(main_config(folder))
        command = [str(nginx), "-p", str(folder), "-c", str(folder / "nginx.conf"),
                   "-e", str(folder / "error.log")]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        with (folder / "nginx.out").open("ab") as output:
            proxy = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for_port(https_port, proxy, folder / "error.log")
            yield Cluster(servers, https_port, folder)
        finally:
            proxy.terminate()
            proxy.wait(timeout=30)
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def open_event(cluster):
    """The reference event moved into the future (registration open by the real clock);
    the rate-limit counts start from nothing."""
    _redis().flushdb()
    yield reference_event_now()
    _redis().flushdb()


def form_fields(browser: Browser, slug: str) -> dict:
    """GET the event page: its CSRF token and start stamp (made by whichever server)."""
    page = browser.get(f"/events/{slug}")
    assert page.status == 200, page.text[:500]
    return {"csrf_token": extract(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text),
            "started": extract(r'name="started" type="hidden" value="([^"]*)"', page.text)}


def person(n: int) -> dict:
    return {"name": f"Person {n}", "email": f"person{n}@example.org", "consent": "y"}


def registrations() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count(Registration.id)))


def scrape(server: AppServer) -> dict:
    """{(name, sorted labels): value} from one app server's /metrics, reached directly."""
    request = Request(f"http://127.0.0.1:{server.port}/metrics",
                      headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, *sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def test_signups_through_nginx_land_on_both_servers_under_one_rate_limit(cluster, open_event):
    browser = cluster.browser()
    forms = [form_fields(browser, open_event.slug) for _ in range(6)]  # a stamp is used once
    path = f"/events/{open_event.slug}/register"
    codes = [browser.post(path, {**forms[n], **person(n)}).status for n in range(6)]
    assert codes == [303] * 5 + [429], "the sixth is refused: both servers count in Redis"
    accepted = [server.served(rf'"POST {path} HTTP/1\.[01]" 303') for server in cluster.servers]
    assert all(accepted), "each server accepted sign-ups with the other's CSRF token and session"
    assert sum(map(len, accepted)) == 5 and registrations() == 5
    signups = [scrape(server).get(("webinar_desk_signups_total",), 0) for server in cluster.servers]
    assert sum(signups) == 5 and all(signups), "each server counts its own, over its workers"


def test_a_coordinators_session_works_on_either_server(cluster, make_user):
    make_user("cluster@example.org", two_factors=False)
    browser = cluster.browser()
    login = browser.get("/manage/login")
    token = extract(r'name="csrf_token" type="hidden" value="([^"]+)"', login.text)
    signed_in = browser.post("/manage/login", {"email": "cluster@example.org",
                                               "password": PASSWORD, "csrf_token": token})
    assert signed_in.status == 302, signed_in.text[:500]
    marks = [len(server.served(r'"GET /manage/ HTTP')) for server in cluster.servers]
    assert [browser.get("/manage/").status for _ in range(4)] == [200] * 4
    served = [len(server.served(r'"GET /manage/ HTTP/1\.[01]" 200')) for server in cluster.servers]
    assert all(after > before for after, before in zip(served, marks)), "both servers served it"


def test_nginx_serves_static_files_for_a_year_and_personal_pages_never(cluster, open_event,
                                                                       make_registration):
    browser = cluster.browser()
    page = browser.get(f"/events/{open_event.slug}")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    css = extract(r'href="(/static/css/site\.css\?v=[0-9a-f]+)"', page.text)
    static = browser.get(css)
    assert static.status == 200 and static.headers["Cache-Control"] == (
        "public, max-age=31536000, immutable")
    assert static.headers["Strict-Transport-Security"].startswith("max-age=")
    assert browser.get("/static/css/site.css").headers["Cache-Control"] == "no-cache"
    token = make_token("watch", make_registration(open_event))
    watch = browser.get(f"/watch/{token}")
    assert watch.status == 200 and watch.headers.get_all("Cache-Control") == ["no-store"]
    time.sleep(0.2)  # nginx writes its access line after the answer
    assert "/watch/[token]" in cluster.nginx_log("access.log")
    logs = cluster.nginx_log("access.log") + "".join(s.log.read_text() for s in cluster.servers)
    assert token not in logs
    with browser.connect(alpn=["h2", "http/1.1"]) as tls:
        assert tls.selected_alpn_protocol() == "h2"


def test_other_host_names_and_oversized_bodies_are_refused(cluster, open_event):
    browser = cluster.browser()
    with pytest.raises(ssl.SSLError):
        browser.connect(server_name="evil.example")  # no certificate for other names
    with pytest.raises(ConnectionError):  # 444: closed without an answer
        browser.get("/manage", host="evil.example")
    direct = Request(f"http://127.0.0.1:{cluster.servers[0].port}/manage",
                     headers={"Host": "evil.example"})
    with pytest.raises(Exception, match="400"):
        urlopen(direct, timeout=10)  # an app server reached directly refuses it too
    path = f"/events/{open_event.slug}/register"
    app_refusal = browser.post(path, {"name": "x" * 100_000})
    assert app_refusal.status == 413 and "more data than any field takes" in app_refusal.text
    nginx_refusal = browser.request("POST", path, body=b"x" * 2_000_000)
    assert nginx_refusal.status == 413 and "nginx" in nginx_refusal.text


def test_a_stopped_server_loses_no_request(cluster, open_event):
    """Last in this module: it stops one of the two servers."""
    browser, answers, stop = cluster.browser(), [], threading.Event()

    def keep_reading():
        while not stop.is_set():
            answers.append(cluster.browser().get(f"/events/{open_event.slug}").status)

    forms = [form_fields(browser, open_event.slug) for _ in range(3)]  # a stamp is used once
    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        time.sleep(0.5)
        cluster.servers[1].stop()  # graceful: in-flight requests finish
        time.sleep(0.5)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert len(answers) > 10 and set(answers) == {200}, answers
    time.sleep(10.5)  # fail_timeout=10s: then nginx tries the stopped server again
    path = f"/events/{open_event.slug}/register"
    codes = [browser.post(path, {**forms[n], **person(n)}).status for n in range(3)]
    assert codes == [303] * 3 and registrations() == 3
    refused_post = re.compile(r"connect\(\) failed \(111: Connection refused\).*"
                              rf'request: "POST {re.escape(path)} HTTP/1\.1"')
    assert refused_post.search(cluster.nginx_log("error.log")), "a POST met the stopped server"
