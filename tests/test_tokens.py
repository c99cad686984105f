"""Signed links: one registry of purposes, read by pages, emails and log redaction."""

from __future__ import annotations

from flask import url_for

from webapp.logs import redact
from webapp.tokens import EMAIL_LINKS, PURPOSES, make_token, read_payload


class Row:
    """Anything with an id and a token version can be named by a token."""

    def __init__(self, id_: int, version: int) -> None:
        self.id, self.token_version = id_, version


def test_a_token_opens_only_its_own_purpose(app):
    with app.test_request_context():
        for name in PURPOSES:
            token = make_token(name, Row(12, 3))
            assert read_payload(name, token) == (12, 3)
            for other in set(PURPOSES) - {name}:
                assert read_payload(other, token) is None
            assert read_payload(name, token[:-2] + "xx") is None


def test_every_purpose_names_a_page_whose_path_the_logs_redact(app):
    with app.test_request_context():
        for purpose in PURPOSES.values():
            path = url_for(purpose.endpoint, token="SECRETTOKEN")
            assert path.startswith(purpose.path_prefix)
            assert "SECRETTOKEN" not in redact(f"GET {path}/more?x=1 HTTP/1.1")


def test_email_links_name_registered_purposes_and_pages(app):
    with app.test_request_context():
        for link in EMAIL_LINKS.values():
            assert link.purpose in PURPOSES
            url_for(link.endpoint, token="t")  # raises if the page does not exist
