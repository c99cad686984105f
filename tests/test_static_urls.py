"""Static files are linked with their content's hash, so they can be cached for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from webapp import static_urls


def test_pages_link_static_files_by_their_contents_hash(app, client, reference_event):
    html = client.get(f"/events/{reference_event.slug}").get_data(as_text=True)
    links = re.findall(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]+)"', html)
    assert {path for path, _ in links} == {
        "/static/css/site.css", "/static/vendor/htmx/htmx-2.0.11.min.js", "/static/js/site.js"}
    assert not re.search(r'(?:href|src)="/static/[^"?]+"', html), "every static link is versioned"
    for path, version in links:
        content = (Path(app.static_folder) / path.removeprefix("/static/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:12]
        response = client.get(f"{path}?v={version}")
        assert response.data == content
        response.close()


def test_the_hash_is_kept_until_the_process_restarts_except_in_debug(app, tmp_path, monkeypatch):
    """The stated rule: computed once per process; a deploy restarts the app servers."""
    (tmp_path / "a.css").write_text("a { color: red }")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with app.test_request_context():
        first = static_urls.static_url("a.css")
        (tmp_path / "a.css").write_text("a { color: blue }")
        assert static_urls.static_url("a.css") == first, "kept for the life of the process"
        monkeypatch.setattr(app, "debug", True)
        in_debug = static_urls.static_url("a.css")
        assert in_debug != first and in_debug.endswith(
            hashlib.sha256(b"a { color: blue }").hexdigest()[:12])
        monkeypatch.setattr(app, "debug", False)
        static_urls._content_hash.cache_clear()  # what a restart does
        assert static_urls.static_url("a.css") == in_debug
