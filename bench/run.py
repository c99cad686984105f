"""The deadline rush at full speed: the public pages, real sign-ups, the coordinators'
pages and the mail worker, measured in one run next to a bare Flask "hello".

    python bench/run.py [--quick] [--database sqlite|postgresql|both] [--runs N]
                        [--seconds S] [--pages list,event,...] [--registrations N]

Every page runs under the production gunicorn configuration (deploy/gunicorn.conf.py,
2 workers x 4 threads; only the bind is set) on SQLite and PostgreSQL with the demo
events and 100 000 registrations on the reference event, loaded by wrk on loopback
(32 connections, bounded in time). In each round every page's runs follow a run of
hello, and each page is compared with the hello runs made just before it: best to
best and median to median (the machine is shared; ratios in the same minutes are the
measure, absolute figures are not). Prints every run, then one table, and writes
bench/results/latest.json. Exits non-zero if a page answered an error, a sign-up was
refused or the sign-ups' rows do not add up. bench/README.md says how to read it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.lib import env as bench_env  # noqa: E402

bench_env.use_project_venv()
os.environ.update(bench_env.APP_ENV)  # before config.py reads the environment

from bench.lib import data, load, report, servers, signup  # noqa: E402
from bench.lib.env import BENCH, ROOT  # noqa: E402

#: name: (label, kind); kinds: "get" public, "watch" (tokens), "signup" (POST),
#: "manage" (signed in as a coordinator).
PAGES = {
    "list": ("event list /", "get"),
    "event": ("event page", "get"),
    "watch": ("watch page", "watch"),
    "signup": ("sign-up POST", "signup"),
    "registrations": ("manage: registrations", "manage"),
    "dashboard": ("manage: dashboard", "manage"),
    "search": ("manage: search", "manage"),
    "manage-event": ("manage: event page", "manage"),
}
DEFAULT_PAGES = ["list", "event", "watch", "signup", "registrations", "dashboard", "mail"]
WARM_SECONDS = 2
SIGNUP_MARGIN = 3  # sign-ups minted for a run: this many times the fastest rate seen
MAIL_MESSAGES, MAIL_PROCESSES = 10_000, 4


def paths(prepared: data.Prepared) -> dict[str, str]:
    slug, event_id = prepared.slug, prepared.event_id
    return {"list": "/", "event": f"/events/{slug}", "watch": "/watch/x",
            "signup": f"/events/{slug}/register",
            "registrations": f"/manage/events/{event_id}/registrations",
            "dashboard": "/manage/dashboard",
            "search": f"/manage/events/{event_id}/registrations?q=person+12",
            "manage-event": f"/manage/events/{event_id}"}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 000 registrations, 3 s "
                        "runs, 2 rounds, no mail: a check in a few minutes")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, help="rounds (default 3; --quick 2)")
    parser.add_argument("--seconds", type=int, help="seconds a run (default 10; --quick 3)")
    parser.add_argument("--pages", help=f"comma-separated, of {', '.join([*PAGES, 'mail'])} "
                        f"(default {','.join(DEFAULT_PAGES)}; --quick without mail)")
    parser.add_argument("--registrations", type=int,
                        help="on the reference event (default 100 000; --quick 10 000)")
    parser.add_argument("--output", type=Path, default=BENCH / "results" / "latest.json")
    parser.add_argument("--broken-signup", action="store_true", help="mint each form stamp "
                        "for another session than its cookie: the run must fail (checks "
                        "the check)")
    args = parser.parse_args()
    args.runs = args.runs or (2 if args.quick else 3)
    args.seconds = args.seconds or (3 if args.quick else 10)
    args.registrations = args.registrations or (10_000 if args.quick else 100_000)
    chosen = args.pages.split(",") if args.pages else [
        p for p in DEFAULT_PAGES if not (args.quick and p == "mail")]
    unknown = [p for p in chosen if p not in PAGES and p != "mail"]
    if unknown:
        parser.error(f"unknown pages {unknown}; choose from {', '.join([*PAGES, 'mail'])}")
    args.mail = "mail" in chosen
    args.pages = [p for p in chosen if p in PAGES]
    args.databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    return args


def say(line: str = "") -> None:
    print(line, flush=True)


class Bench:
    """One run of the harness: its folder, databases, servers and figures."""

    def __init__(self, args: argparse.Namespace, folder: Path) -> None:
        self.args, self.folder = args, folder
        self.tag = f"bench{os.getpid()}"
        self.databases: dict[str, data.Database] = {}
        self.apps, self.prepared, self.servers = {}, {}, {}
        self.cookies: dict[str, str] = {}
        self.series = {(p, d): report.Series() for p in args.pages for d in args.databases}
        self.hello_runs: list[load.Run] = []
        self.signup_rate: dict[str, float] = {}
        self.signup_batches = 0
        self.problems: list[str] = []
        self.memory: dict[str, list[float]] = {}
        self.mail = None

    # -- setting up ---------------------------------------------------------------------

    def prepare(self) -> None:
        for kind in self.args.databases:
            started = time.monotonic()
            database = (data.sqlite_database(self.folder) if kind == "sqlite"
                        else data.postgresql_database(f"{self.tag}_pages"))
            self.databases[kind] = database
            app = data.make_app(database.url)
            self.apps[kind] = app
            self.prepared[kind] = data.prepare(app, self.args.registrations,
                                               self.folder / f"tokens-{kind}")
            say(f"prepared {kind}: demo events, {self.args.registrations} registrations on "
                f"{self.prepared[kind].slug} ({time.monotonic() - started:.0f} s)")

    def start(self) -> None:
        port = bench_env.free_port()
        self.servers["hello"] = servers.start("hello", "bench.hello_app:app", port,
                                              self.server_env(port), self.folder)
        for kind, database in self.databases.items():
            port = bench_env.free_port()
            metrics = self.folder / f"metrics-{kind}"
            self.servers[kind] = servers.start(
                f"app-{kind}", "webapp:create_app()", port,
                {**self.server_env(port), "DATABASE_URL": database.url,
                 "PROMETHEUS_MULTIPROC_DIR": str(metrics)}, self.folder)
            if any(PAGES[p][1] == "manage" for p in self.args.pages):
                self.cookies[kind] = data.coordinator_cookie(self.apps[kind])

    def server_env(self, port: int) -> dict:
        environment = {**os.environ, "BASE_URL": f"http://127.0.0.1:{port}",
                       "PYTHONPATH": str(ROOT)}
        environment.pop("DATABASE_URL", None)
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        return environment

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def drop(self) -> None:
        for database in self.databases.values():
            database.drop()

    # -- loading ------------------------------------------------------------------------

    def hello(self, seconds: int) -> load.Run:
        return load.wrk(f"{self.servers['hello'].base}/hello", seconds)

    def load_page(self, page: str, kind: str, seconds: int, warm: bool = False) -> load.Run:
        """One wrk run of ``page`` on the ``kind`` database's server."""
        server, prepared = self.servers[kind], self.prepared[kind]
        url = server.base + paths(prepared)[page]
        style = PAGES[page][1]
        if style == "watch":
            return load.wrk(url, seconds, script="watch.lua", env={"TOKENS": str(prepared.tokens)})
        if style == "manage":
            self.cookies[kind] = data.seen_now(self.apps[kind], self.cookies[kind])
            return load.wrk(url, seconds, headers={"Cookie": self.cookies[kind]})
        if style == "signup":
            return self.signups(kind, url, seconds, warm)
        return load.wrk(url, seconds)

    def signups(self, kind: str, url: str, seconds: int, warm: bool) -> load.Run:
        """Mint, send and check one run of real sign-ups. Minted: for the warm-up, half
        of hello's rate (the target is a tenth); then three times the fastest rate seen,
        or 0.15 of hello's if more; if wrk still sends them all, the run is made again
        with three times as many."""
        hello = self.hello_runs[-1].rps
        if warm:
            rate = hello / 2
        else:
            rate = max(self.signup_rate[kind] * SIGNUP_MARGIN, hello * 0.15)
        for attempt in (1, 2):
            run, found, problems, account = self.signup_run(kind, url, seconds,
                                                            int(rate * seconds) + 500)
            if not found.ran_out or attempt == 2:
                break
            say("    every minted sign-up was sent: the run again with three times as many")
            rate *= SIGNUP_MARGIN
        self.signup_rate[kind] = max(0 if warm else self.signup_rate[kind], run.rps)
        self.series[("signup", kind)].signups.append(("warm-up: " if warm else "") + account)
        say(f"    sign-ups: {account}")
        # Refused answers are in wrk's "Non-2xx" line too; the problems say more.
        sockets = [run.errors] if "Socket errors" in run.errors else []
        run.errors = "; ".join([*problems, *sockets])
        return run

    def signup_run(self, kind: str, url: str, seconds: int, count: int):
        """One wrk run of ``count`` minted sign-ups: (run, answers, problems, account)."""
        prepared, database = self.prepared[kind], self.databases[kind]
        self.signup_batches += 1
        prefix = f"{self.tag}-{kind}-{self.signup_batches}"
        batch = signup.mint(self.apps[kind], prepared.slug, count, self.folder, prefix,
                            load.THREADS, broken=self.args.broken_signup)
        before = data.signup_counts(database.url, prepared.event_id)
        run = load.wrk(url, seconds, script="signup.lua",
                       env={"SIGNUPS": str(self.folder / prefix)})
        found = signup.answers(run.output)
        after = self.settled_counts(database.url, prepared.event_id)
        registered = data.registered_emails(database.url, prepared.event_id, f"{prefix}-%")
        problems, account = signup.check(batch, found, after[0] - before[0],
                                         after[1] - before[1], registered)
        for path in batch.files:
            path.unlink()
        return run, found, problems, account

    @staticmethod
    def settled_counts(url: str, event_id: int) -> tuple[int, int]:
        """The counts once the requests wrk left in flight are done (stable for 1 s)."""
        last, since, deadline = None, time.monotonic(), time.monotonic() + 15
        while time.monotonic() < deadline:
            counts = data.signup_counts(url, event_id)
            if counts != last:
                last, since = counts, time.monotonic()
            elif time.monotonic() - since >= 1:
                break
            time.sleep(0.25)
        return last

    def record(self, page: str, kind: str, run: load.Run, hello: load.Run | None) -> None:
        series = self.series[(page, kind)]
        if run.errors:
            log = self.servers[kind].log_tail()
            problem = f"{PAGES[page][0]} on {kind}: {run.errors}" + (
                f"\n  server log (last failures):\n{_indent(log, 4)}" if log else "")
            series.problems.append(problem)
            say(f"    ERROR {problem}")
            return
        if hello is not None:
            series.runs.append(run)
            series.hello.append(hello)

    def live(self, page: str, kind: str) -> bool:
        return not self.series[(page, kind)].problems

    def smoke(self) -> None:
        """One GET of each page: a 200 from the page itself (not a redirect)."""
        for page in self.args.pages:
            if PAGES[page][1] in ("signup", "watch"):
                continue
            for kind in self.args.databases:
                url = self.servers[kind].base + paths(self.prepared[kind])[page]
                why = servers.answers(url, self.cookies.get(kind)
                                      if PAGES[page][1] == "manage" else None)
                if why:
                    self.series[(page, kind)].problems.append(
                        f"{PAGES[page][0]} on {kind}: GET {url} answered {why}")

    def warm(self) -> None:
        run = self.hello(WARM_SECONDS)
        say(f"warm-up {'hello':32s} {run.rps:8.0f} req/s")
        self.hello_runs.append(run)  # the sign-up's first estimate reads it
        for page in self.args.pages:
            for kind in self.args.databases:
                if self.live(page, kind):
                    run = self.load_page(page, kind, WARM_SECONDS, warm=True)
                    say(f"warm-up {PAGES[page][0]:22s} {kind:10s}{run.rps:8.0f} req/s")
                    self.record(page, kind, run, None)
        self.hello_runs.clear()

    def rounds(self) -> None:
        args = self.args
        for number in range(1, args.runs + 1):
            for page in args.pages:
                if not any(self.live(page, kind) for kind in args.databases):
                    continue
                hello = self.hello(args.seconds)
                self.hello_runs.append(hello)
                say(_line(number, args.runs, "hello", "", hello))
                for kind in args.databases:
                    if self.live(page, kind):
                        run = self.load_page(page, kind, args.seconds)
                        say(_line(number, args.runs, PAGES[page][0], kind, run))
                        self.record(page, kind, run, hello)

    def after(self) -> None:
        """Signed-in pages still signed in; the workers' peak memory."""
        for page in self.args.pages:
            for kind in self.args.databases:
                if PAGES[page][1] == "manage" and self.live(page, kind):
                    url = self.servers[kind].base + paths(self.prepared[kind])[page]
                    why = servers.answers(url, self.cookies[kind])
                    if why:
                        self.series[(page, kind)].problems.append(
                            f"{PAGES[page][0]} on {kind}: after the runs, GET answered "
                            f"{why} (the coordinator's session ended: figures unreliable)")
        for name, server in self.servers.items():
            self.memory[name] = server.worker_peaks_mb()

    # -- mail ---------------------------------------------------------------------------

    def run_mail(self) -> None:
        from bench.lib import mail

        database = data.postgresql_database(f"{self.tag}_mail")
        self.databases["mail"] = database
        app = data.make_app(database.url, "https://events.example.org")
        mail.prepare(app, MAIL_MESSAGES)
        environment = {**os.environ, "DATABASE_URL": database.url,
                       "BASE_URL": "https://events.example.org"}
        say(f"mail: {MAIL_MESSAGES} stream links, {MAIL_PROCESSES} x `flask --app webapp mail "
            f"work` at nice {app.config['MAIL_WORKER_NICE']}, runs: {self.args.runs}")
        self.mail = mail.measure(app, environment, bench_env.free_port(), MAIL_MESSAGES,
                                 MAIL_PROCESSES, self.args.runs, say)
        with app.app_context():
            from webapp.extensions import db

            db.engine.dispose()

    # -- the report ---------------------------------------------------------------------

    def report(self, meta: dict) -> int:
        names = {page: label for page, (label, _kind) in PAGES.items()}
        document = {"meta": meta, **report.as_json(self.series, self.hello_runs)}
        rows, document["memory"] = report.memory(self.memory)
        if self.mail is not None:
            more, document["mail"] = report.mail(self.mail)
            rows += more
        say()
        for line in report.table(self.series, names, self.hello_runs, rows):
            say(line)
        say("best: most requests/s and lowest latencies of the runs; x hello: the page's "
            "figure divided by that of the hello runs made just before it")
        for (page, kind), series in self.series.items():
            if page == "signup" and series.signups and not series.problems:
                say(f"sign-ups on {kind}: {len(series.signups)} runs checked (warm-up "
                    "included): every answer 303, each with its registration and outbox "
                    "row committed")
        for (page, kind), series in self.series.items():
            self.problems += series.problems
        document["problems"] = self.problems
        missed = [f"{names[p]} on {d}" for (p, d), s in self.series.items() if s.runs
                  and report.meets(p, d, report.summary(s.runs), report.ratios(
                      report.summary(s.runs), report.summary(s.hello))) is False]
        missed += [what for what, part in (("app worker memory", document["memory"]),
                                           ("mail worker", document.get("mail", {})))
                   if part.get("met") is False]
        document["targets_met"], document["targets_missed"] = not missed, missed
        say(f"targets (best to best): {'missed by ' + '; '.join(missed) if missed else 'all met'}")
        report.write(self.args.output, document)
        say(f"wrote {self.args.output}")
        if self.problems:
            say("\nFAILED:")
            for problem in self.problems:
                say(f"- {problem}")
            return 1
        return 0


def _line(number: int, runs: int, label: str, kind: str, run: load.Run) -> str:
    return (f"round {number}/{runs} {label:22s} {kind:10s}{run.rps:8.0f} req/s  "
            f"p50 {run.p50:7.2f} ms  p99 {run.p99:7.1f} ms")


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def metadata(args: argparse.Namespace) -> dict:
    def git(*command: str) -> str:
        done = subprocess.run(["git", *command], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain")),
        "cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
        "python": platform.python_version(), "wrk": wrk_version.split(" [")[0].strip(),
        "gunicorn": {"config": "deploy/gunicorn.conf.py",
                     "workers": int(os.environ.get("GUNICORN_WORKERS", "2")),
                     "threads": int(os.environ.get("GUNICORN_THREADS", "4"))},
        "wrk_connections": load.CONNECTIONS, "wrk_threads": load.THREADS,
        "quick": args.quick, "databases": args.databases, "pages": args.pages,
        "mail": args.mail, "rounds": args.runs, "seconds": args.seconds,
        "registrations": args.registrations, "broken_signup": args.broken_signup,
    }


def main() -> int:
    args = options()
    bench_env.check_python()
    bench_env.ensure_wrk()
    if "postgresql" in args.databases or args.mail:
        why = data.check_postgresql()
        if why:
            raise SystemExit(f"PostgreSQL at BENCH_DATABASE_URL ({bench_env.PG}) cannot be "
                             f"used: {why}\nSet BENCH_DATABASE_URL, or run --database sqlite")
    meta = metadata(args)
    say(f"{meta['date']} commit {meta['commit'][:10]}"
        f"{' (uncommitted changes)' if meta['uncommitted_changes'] else ''}; "
        f"{meta['cpus']} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    say(f"gunicorn -c deploy/gunicorn.conf.py ({meta['gunicorn']['workers']} workers x "
        f"{meta['gunicorn']['threads']} threads); wrk {load.THREADS} threads, "
        f"{load.CONNECTIONS} connections, {args.seconds} s a run, rounds: {args.runs}; "
        f"databases {', '.join(args.databases)}; "
        f"{', '.join([*args.pages, *(['mail'] if args.mail else [])])}")
    with tempfile.TemporaryDirectory(prefix="webinar-desk-bench-") as folder:
        bench = Bench(args, Path(folder))
        try:
            if args.pages:
                bench.prepare()
                bench.start()
                bench.smoke()
                bench.warm()
                bench.rounds()
                bench.after()
                bench.stop()
            if args.mail and "postgresql" in args.databases:
                try:
                    bench.run_mail()
                except SystemExit as error:  # the pages' figures are still reported
                    bench.problems.append(f"mail: {error}")
            elif args.mail:
                say("mail: PostgreSQL only (several workers claim with SKIP LOCKED): skipped")
        finally:
            bench.stop()
            bench.drop()
        meta["load_average_at_end"] = os.getloadavg()
        say(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return bench.report(meta)


if __name__ == "__main__":
    sys.exit(main())
