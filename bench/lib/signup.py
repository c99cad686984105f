"""Real sign-ups under wrk, and the check that they were.

A sign-up needs what a visitor's browser holds after showing the event page: the
session cookie, the CSRF token in the form (Flask-WTF's, from the raw token in the
session), the form's timing stamp (webapp/forms/antibot.py: signed, bound to that
session, used once) and an address of its own. ``mint`` makes them here, before a
run, with the app's own functions in a request context, signed with the servers'
SECRET_KEY: the same bytes a browser would have been given. The stamps say the form
was shown a minute ago, so production's SIGNUP_MIN_FILL_SECONDS (3) holds.

bench/lua/signup.lua sends each once and counts the answers. ``check`` then holds the
count of 303 answers to the rows that appeared: one registration and one outbox row
each. wrk stops when its time is up with up to one request in flight per connection,
whose answer nobody reads; the server still signs those up. So the rows must number
the 303 answers plus at most the requests left in flight, and every new address must
be one that was sent. Any other answer (422: a stamp or form refused; 400: CSRF; 429:
the rate limit; 500) fails the run.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

SHOWN_BEFORE = timedelta(minutes=1)  # when the minted forms were "shown"


@dataclass
class Batch:
    """Minted sign-ups: one file per wrk thread, addresses ``<prefix>-<n>@example.org``."""

    prefix: str
    files: list[Path]
    emails: list[list[str]]  # per thread, in the order the thread sends them

    @property
    def count(self) -> int:
        return sum(len(e) for e in self.emails)


def mint(app, slug: str, count: int, folder: Path, prefix: str, threads: int,
         broken: bool = False) -> Batch:
    """``count`` sign-ups for the event ``slug``, dealt to ``threads`` files in turn.
    ``broken``: each stamp is made for another session than the cookie's (the check
    of the harness must then fail)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    from webapp import clock
    from webapp.forms.antibot import new_stamp

    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    path, base = f"/events/{slug}", app.config["BASE_URL"]
    shown = clock.now() - SHOWN_BEFORE
    files = [folder / f"{prefix}.{n}" for n in range(threads)]
    emails: list[list[str]] = [[] for _ in range(threads)]
    outs = [f.open("w") for f in files]
    try:
        with patch.object(clock, "now", lambda: shown):
            for n in range(count):
                # A visitor's GET of the event page: its own app context too (``g``
                # holds the request's CSRF token), its own new session.
                with app.app_context(), app.test_request_context(path, base_url=base):
                    token, stamp = generate_csrf(), new_stamp()
                    cookie = serializer.dumps(dict(session))
                if broken:
                    with app.app_context(), app.test_request_context(path, base_url=base):
                        stamp = new_stamp()  # bound to that other session
                email = f"{prefix}-{n}@example.org"
                body = urllib.parse.urlencode({
                    "csrf_token": token, "started": stamp, "website": "",
                    "name": f"Bench Person {n}", "email": email,
                    "organisation": "Bench Organisation", "consent": "y"})
                outs[n % threads].write(f"{cookie_name}={cookie}\t{body}\n")
                emails[n % threads].append(email)
    finally:
        for out in outs:
            out.close()
    return Batch(prefix, files, emails)


@dataclass
class Answers:
    """What signup.lua counted, over its threads."""

    issued: int = 0
    see_other: int = 0
    other: int = 0
    ran_out: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    issued_per_thread: dict[int, int] = field(default_factory=dict)
    sample: str = ""

    @property
    def in_flight(self) -> int:
        return self.issued - self.see_other - self.other


def answers(output: str) -> Answers:
    """signup.lua's lines in wrk's output."""
    found = Answers()
    for line in output.splitlines():
        if line.startswith("signup-thread "):
            number = int(line.split()[1])
            values = dict(part.split("=", 1) for part in line.split()[2:])
            found.issued_per_thread[number] = int(values["issued"])
            for name in ("issued", "see_other", "other", "ran_out"):
                setattr(found, name, getattr(found, name) + int(values[name]))
            for pair in filter(None, values.get("statuses", "").split(",")):
                code, count = pair.split(":")
                found.statuses[code] = found.statuses.get(code, 0) + int(count)
        elif line.startswith("signup-sample ") and not found.sample:
            found.sample = line[len("signup-sample "):]
    if not found.issued_per_thread:
        raise SystemExit(f"signup.lua printed no counts:\n{output}")
    return found


def why_refused(sample: str) -> str:
    """The status and the words of the first refused answer (its alerts, or its title)."""
    status, _, html = sample.partition(" ")
    said = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'role="alert"[^>]*>(.*?)</', html, re.S)]
    if not said:
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        said = [title.group(1).strip()] if title else [html[:200]]
    return f"{status}: {' / '.join(s for s in said if s)}"


def check(batch: Batch, found: Answers, new_registrations: int, new_outbox: int,
          registered: set[str]) -> tuple[list[str], str]:
    """(problems, a one-line account) of one sign-up run."""
    problems = []
    if found.other:
        problems.append(f"{found.other} of {found.see_other + found.other} sign-ups were "
                        f"refused ({found.statuses}); the first: {why_refused(found.sample)}")
    if found.ran_out:
        problems.append(f"wrk sent more sign-ups than were minted ({batch.count}): the "
                        "estimate from the warm-up was too low")
    if not found.see_other <= new_registrations <= found.see_other + max(found.in_flight, 0):
        problems.append(f"{new_registrations} new registrations for {found.see_other} "
                        f"answers 303 and {found.in_flight} requests left in flight")
    if new_outbox != new_registrations:
        problems.append(f"{new_registrations} new registrations but {new_outbox} new "
                        "outbox rows (one confirmation email each)")
    sent = {email for number, emails in enumerate(batch.emails)
            for email in emails[:found.issued_per_thread.get(number, 0)]}
    if registered - sent:
        problems.append(f"{len(registered - sent)} registered addresses were never sent, "
                        f"e.g. {sorted(registered - sent)[:3]}")
    if len(registered) != new_registrations:
        problems.append(f"{new_registrations} new registrations but {len(registered)} with "
                        "the run's addresses")
    account = (f"{found.see_other} answered 303 -> {new_registrations} registrations and "
               f"{new_outbox} outbox rows committed ({new_registrations - found.see_other} "
               f"of the {found.in_flight} left in flight when wrk stopped); "
               f"{batch.count} minted, {found.issued} sent")
    return problems, account
