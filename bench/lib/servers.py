"""The servers under test: gunicorn with the production configuration
(deploy/gunicorn.conf.py: 2 workers x 4 threads, the access log on stdout) and only
the bind changed, as the systemd unit runs it; their workers' peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.lib.env import ROOT


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path  # its stderr: gunicorn's error log and the app's line for each request

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        """The last lines of its log that tell of a failure: tracebacks, warnings and
        errors, 5xx requests (not the app's log line of every request, nor gunicorn's
        notes on starting)."""
        kept = []
        with self.log.open(errors="replace") as log:
            for line in log:
                if line.startswith("{"):
                    try:
                        if int(json.loads(line).get("status", 500)) < 500:
                            continue
                    except (ValueError, AttributeError):
                        pass
                elif "[INFO]" in line:
                    continue
                kept.append(line.rstrip())
                del kept[:-lines]
        return "\n".join(kept)

    def worker_peaks_mb(self) -> list[float]:
        """VmHWM (peak resident memory) of each of its worker processes, in MB."""
        return [peak for pid in _children(self.process.pid)
                if (peak := _vm_hwm_mb(pid)) is not None]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(name: str, target: str, port: int, env: dict, folder: Path) -> Server:
    """gunicorn -c deploy/gunicorn.conf.py --bind 127.0.0.1:``port`` ``target``; waits
    until it answers. The access log (stdout, as in production) goes to /dev/null: the
    lines are still formatted and written, and a run does not fill the disk."""
    log = folder / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
               "--bind", f"127.0.0.1:{port}", target]
    with log.open("w") as errors:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=errors)
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            urllib.request.urlopen(f"{server.base}/", timeout=2).close()
            return server
        except urllib.error.HTTPError:  # it answers (hello has no "/")
            return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise SystemExit(f"{name} did not start:\n{server.log_tail()}")


def _children(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def answers(url: str, cookie: str | None = None) -> str | None:
    """Why one GET of ``url`` is not a 200 served by the page itself (a redirect, e.g.
    to the sign-in page, would look fast under wrk, which counts 3xx as success), or None."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return None if response.status == 200 else f"status {response.status}"
    except urllib.error.HTTPError as error:
        where = error.headers.get("Location")
        return f"status {error.code}" + (f" to {where}" if where else "")
    except OSError as error:
        return str(error)
