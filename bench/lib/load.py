"""wrk on loopback: 2 threads, 32 connections, bounded in time; its figures parsed."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from bench.lib.env import BENCH

CONNECTIONS, THREADS, TIMEOUT = 32, 2, "10s"


@dataclass
class Run:
    """One wrk run: requests per second, latency percentiles in ms, what went wrong."""

    rps: float
    p50: float
    p99: float
    requests: int
    errors: str = ""  # wrk's "Non-2xx or 3xx" and socket error lines, if any
    output: str = field(default="", repr=False)

    def as_dict(self) -> dict:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.p50, 2),
                "p99_ms": round(self.p99, 2), "requests": self.requests,
                **({"errors": self.errors} if self.errors else {})}


def wrk(url: str, seconds: int, *, script: str | None = None, env: dict | None = None,
        headers: dict | None = None) -> Run:
    """Load ``url`` for ``seconds`` with bench/lua/``script`` if given."""
    command = ["wrk", "-t", str(THREADS), "-c", str(CONNECTIONS), "-d", f"{seconds}s",
               "--latency", "--timeout", TIMEOUT]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(BENCH / "lua" / script)]
    done = subprocess.run(command + [url], env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"wrk failed on {url}: {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(output: str) -> Run:
    """wrk's summary (with --latency) as a Run."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = "; ".join(line.strip() for line in output.splitlines()
                       if "Non-2xx" in line or "Socket errors" in line)
    return Run(rps, _percentile(output, "50"), _percentile(output, "99"), requests, errors,
               output)


def _percentile(output: str, which: str) -> float:
    """A latency percentile in ms (wrk prints us, ms, s or m)."""
    found = re.search(rf"^\s+{which}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    if found is None:
        return float("nan")
    factor = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[found.group(2)]
    return float(found.group(1)) * factor
