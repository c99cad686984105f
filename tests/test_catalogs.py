"""Every user-facing string is translated: the catalogs hold every message the code and
templates use (extracted as `make messages` does), in Swedish and Finnish, none
untranslated or fuzzy, placeholders intact."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

DOMAINS = ("messages", "flask_security")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def catalog(language: str, domain: str):
    path = ROOT / "translations" / language / "LC_MESSAGES" / f"{domain}.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def used(tmp_path_factory):
    """The messages the code and templates use now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "-k", "_l", "-k",
                    "lazy_gettext", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


@pytest.mark.parametrize("language", ["sv", "fi"])
def test_every_message_in_use_is_in_the_catalog(used, language):
    missing = {m if isinstance(m, str) else m[0] for m in used} - {
        m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language, "messages") if m.id}
    assert not missing, f"not in {language} (run make messages): {sorted(missing)[:10]}"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", ["sv", "fi"])
def test_catalogs_are_complete_and_keep_placeholders(language, domain):
    problems = []
    for message in catalog(language, domain):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated or fuzzy: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - wanted:
                problems.append(f"placeholder changed: {ids[0]!r} -> {string!r}")
    assert not problems, "\n".join(problems[:20])
