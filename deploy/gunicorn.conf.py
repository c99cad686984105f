# gunicorn settings for Webinar Desk: gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'
# (deploy/systemd/webinar-desk.service). GUNICORN_BIND, GUNICORN_WORKERS and GUNICORN_THREADS
# come from the environment file (README, Production).
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
accesslog = "-"
# Signed tokens in paths (/watch/<token>, /p/<token>) never reach the access log.
logger_class = "webapp.gunicorn_logging.GunicornLogger"
# nginx in front sets X-Forwarded-*; the app trusts TRUSTED_PROXY_COUNT of them (ProxyFix).


def on_starting(server):
    """Prometheus multiprocess mode: start from an empty folder (values of an earlier
    run would be added to this one's)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        for stale in Path(folder).glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """A worker that exited: its live values leave the scrape (counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
