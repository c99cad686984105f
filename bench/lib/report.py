"""The figures: each page's runs next to the hello runs made just before them, as
ratios best-to-best and median-to-median; the targets; one table; latest.json."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from bench.lib.load import Run

#: Throughput as a share of hello (best to best) per database, and p99 in ms, for the
#: pages that have targets; the coordinators' pages are measured for information.
TARGETS = {
    "list": ({"sqlite": 0.5, "postgresql": 0.5}, 50),
    "event": ({"sqlite": 0.5, "postgresql": 0.5}, 50),
    "watch": ({"sqlite": 0.4, "postgresql": 0.2}, 50),
    "signup": ({"sqlite": 0.08, "postgresql": 0.1}, 250),
}
WORKER_MB, MAIL_SECONDS = 80, 20  # peak memory of any worker; 10 000 emails


@dataclass
class Series:
    """The runs of one page on one database, and the hello runs that preceded them."""

    runs: list[Run] = field(default_factory=list)
    hello: list[Run] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    signups: list[str] = field(default_factory=list)  # the account of each checked run


def summary(runs: list[Run]) -> dict:
    """Best (most requests, lowest latencies) and median of each figure."""
    if not runs:
        return {}
    figures = {"rps": [r.rps for r in runs], "p50": [r.p50 for r in runs],
               "p99": [r.p99 for r in runs]}
    return {"best": {"rps": max(figures["rps"]), "p50": min(figures["p50"]),
                     "p99": min(figures["p99"])},
            "median": {name: statistics.median(values) for name, values in figures.items()}}


def ratios(page: dict, hello: dict) -> dict:
    """Each figure divided by hello's (throughput: the share of hello's; latency: how
    many times hello's), best to best and median to median."""
    return {which: {name: _divide(page[which][name], hello[which][name])
                    for name in ("rps", "p50", "p99")} for which in ("best", "median")}


def _divide(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else float("nan")


def verdicts(page: str, database: str, figures: dict, ratio: dict, which: str) -> str:
    """The targets of ``page`` and whether the ``which`` figures meet them."""
    if page not in TARGETS:
        return "(information)"
    share, p99 = TARGETS[page][0][database], TARGETS[page][1]
    met_share = ratio[which]["rps"] >= share
    met_p99 = figures[which]["p99"] < p99
    return (f">={share:.2f} {'met' if met_share else 'MISSED'}, "
            f"p99<{p99} {'met' if met_p99 else 'MISSED'}")


def meets(page: str, database: str, figures: dict, ratio: dict) -> bool | None:
    """Best-to-best figures against the targets (None: no targets)."""
    if page not in TARGETS or not figures:
        return None
    share, p99 = TARGETS[page][0][database], TARGETS[page][1]
    return ratio["best"]["rps"] >= share and figures["best"]["p99"] < p99


def _fmt(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


#: A row of the table's last part (memory, mail): what, where, the figures, the target.
Row = tuple[str, str, str, str]


def table(series: dict[tuple[str, str], Series], names: dict[str, str],
          hello_runs: list[Run], rows: list[Row]) -> list[str]:
    """The table's lines: two a page (best, median), then ``rows``."""
    head = (f"{'page':22s} {'db':10s} {'':6s} {'req/s':>8s} {'x hello':>8s} {'p50 ms':>8s} "
            f"{'x hello':>8s} {'p99 ms':>8s} {'x hello':>8s}  target")
    lines = [head, "-" * len(head)]
    hello = summary(hello_runs)
    for which in ("best", "median"):
        figures = hello.get(which, {})
        lines.append(f"{'hello (every run)' if which == 'best' else '':22s} {'':10s} "
                     f"{which:6s} {_fmt(figures.get('rps'), 0):>8s} {'':8s} "
                     f"{_fmt(figures.get('p50'), 2):>8s} {'':8s} "
                     f"{_fmt(figures.get('p99'), 1):>8s}")
    for (page, database), one in series.items():
        page_figures, hello_figures = summary(one.runs), summary(one.hello)
        if not page_figures:
            lines.append(f"{names[page]:22s} {database:10s} ERROR: {one.problems[0][:80]}")
            continue
        ratio = ratios(page_figures, hello_figures)
        for which in ("best", "median"):
            f, r = page_figures[which], ratio[which]
            label = names[page] if which == "best" else ""
            lines.append(
                f"{label:22s} {database if which == 'best' else '':10s} {which:6s} "
                f"{_fmt(f['rps'], 0):>8s} {_fmt(r['rps'], 3):>8s} {_fmt(f['p50'], 2):>8s} "
                f"{_fmt(r['p50'], 1):>8s} {_fmt(f['p99'], 1):>8s} {_fmt(r['p99'], 1):>8s}  "
                f"{verdicts(page, database, page_figures, ratio, which)}"
                + ("  ERRORS" if one.problems and which == "best" else ""))
    if rows:
        lines.append("-" * len(head))
    width = len(head) - len("  target") - 41  # the figures span the numbers' columns
    lines += [f"{what:29s} {where:10s} {figures:{width}s}  {target}"
              for what, where, figures, target in rows]
    return lines


def as_json(series: dict[tuple[str, str], Series], hello_runs: list[Run]) -> dict:
    pages: dict = {}
    for (page, database), one in series.items():
        figures, hello = summary(one.runs), summary(one.hello)
        pages.setdefault(page, {})[database] = {
            "runs": [r.as_dict() for r in one.runs],
            "hello_runs": [r.as_dict() for r in one.hello],
            **({"best": figures["best"], "median": figures["median"],
                "ratio_to_hello": ratios(figures, hello),
                "targets": _targets(page, database),
                "targets_met": meets(page, database, figures, ratios(figures, hello))}
               if figures else {}),
            "problems": one.problems,
            **({"signups": one.signups} if one.signups else {}),
        }
    return {"hello": {"runs": [r.as_dict() for r in hello_runs], **summary(hello_runs)},
            "pages": pages}


def _targets(page: str, database: str) -> dict | None:
    if page not in TARGETS:
        return None
    return {"rps_ratio_best_min": TARGETS[page][0][database], "p99_ms_max": TARGETS[page][1]}


def memory(peaks: dict[str, list[float]]) -> tuple[list[Row], dict]:
    """The workers' peak memory (VmHWM) per server: rows of the table, and the JSON's."""
    rows = []
    for name, values in peaks.items():
        listed = ", ".join(f"{mb:.0f}" for mb in values) + " MB"
        if name == "hello":
            rows.append(("hello workers' peak memory", "", listed, "(information)"))
        else:
            met = max(values, default=0) < WORKER_MB
            rows.append(("app workers' peak memory", name, listed,
                         f"<{WORKER_MB} MB {'met' if met else 'MISSED'}"))
    app = [mb for name, values in peaks.items() if name != "hello" for mb in values]
    return rows, {"vm_hwm_mb": peaks, "target_mb": WORKER_MB,
                  "met": max(app, default=0) < WORKER_MB}


def mail(result) -> tuple[list[Row], dict]:
    """The mail worker's runs (bench/lib/mail.py): rows of the table, and the JSON's."""
    runs, messages = result.runs, result.messages
    best = max(runs, key=lambda r: r.per_second)
    median = statistics.median(r.per_second for r in runs)
    slowest = max(r.seconds * 10_000 / max(r.sent, 1) for r in runs)
    plain_best = min(r.plain_seconds for r in runs)
    peak = max(result.peaks_mb)
    rows = [
        ("mail worker, best", "postgresql", f"{best.per_second:.0f} msg/s, {messages} in "
         f"{best.seconds:.2f} s", "(information)"),
        ("mail worker, median", "postgresql", f"{median:.0f} msg/s", "(information)"),
        ("mail worker, slowest run", "postgresql", f"10 000 in {slowest:.2f} s",
         f"<{MAIL_SECONDS} s {'met' if slowest < MAIL_SECONDS else 'MISSED'}"),
        ("mail workers' peak memory", "postgresql", f"{peak} MB",
         f"<{WORKER_MB} MB {'met' if peak < WORKER_MB else 'MISSED'}"),
        ("plain smtplib loop, best", "", f"{messages / plain_best:.0f} msg/s (outbox/plain "
         f"{plain_best / best.seconds:.2f})", "(information)")]
    return rows, {
        "messages": messages, "processes": result.processes, "nice": result.nice,
        "runs": [{"seconds": r.seconds, "sent": r.sent, "per_second": r.per_second,
                  "plain_seconds": r.plain_seconds, "sink": r.sink} for r in runs],
        "best_per_second": best.per_second, "median_per_second": median,
        "seconds_for_10000_slowest_run": slowest, "peak_worker_mb": peak,
        "targets": {"seconds_for_10000_max": MAIL_SECONDS, "worker_mb_max": WORKER_MB},
        "met": slowest < MAIL_SECONDS and peak < WORKER_MB}


def write(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_plain(document), indent=2, allow_nan=False) + "\n")


def _plain(value):
    """JSON's own values: NaN (a figure wrk did not print) as null, floats rounded."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value
