"""The shipped nginx site knows every kind of personal link the app signs: their tokens
never reach the access log, and their pages are never stored by a cache."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from webapp.tokens import PURPOSES

SITE = (ROOT / "deploy" / "nginx" / "webinar-desk.conf").read_text()


def nginx_regex(pattern: str) -> re.Pattern:
    """An nginx (PCRE) regex as Python writes it."""
    return re.compile(pattern.replace("(?<", "(?P<"))


def test_the_access_log_hides_the_token_of_every_personal_link():
    rule = re.search(r'map \$uri \$webinar_desk_logged_path \{\s*"~([^"]+)" "([^"]+)"', SITE)
    hide = nginx_regex(rule.group(1))
    for purpose in PURPOSES.values():
        path = f"{purpose.path_prefix}SIGNEDTOKEN/cancel"
        found = hide.match(path)
        assert found, f"{purpose.name}: {path} would be logged with its token"
        assert "SIGNEDTOKEN" not in found.group("prefix") + found.group("rest")


def test_every_personal_page_is_no_store():
    locations = [nginx_regex(p) for p in re.findall(r"location ~ (\S+) \{", SITE)]
    no_store = [loc for loc in locations if "watch" in loc.pattern]
    assert len(no_store) == 1
    for purpose in PURPOSES.values():
        assert no_store[0].match(f"{purpose.path_prefix}x"), purpose.name
