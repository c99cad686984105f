"""Response headers: Content Security Policy and friends, for every response."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, Response, g


def allow_frames_from(*urls: str | None) -> None:
    """Let this response embed frames from the origins of ``urls`` (the stream provider)."""
    g.setdefault("frame_origins", set()).update(_origins(urls))


@lru_cache(maxsize=256)
def _origins(urls: tuple[str | None, ...]) -> frozenset[str]:
    """The http(s) origins of ``urls`` (an event's media URLs: the same on every request)."""
    origins = set()
    for url in urls:
        if url:
            parts = urlsplit(url)
            if parts.scheme in ("https", "http") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return frozenset(origins)


def content_security_policy() -> str:
    """No inline scripts, nothing from other sites, frames only from allowed origins."""
    return _policy(frozenset(g.get("frame_origins", ())))


@lru_cache(maxsize=256)
def _policy(frame_origins: frozenset) -> str:
    frames = " ".join(sorted(frame_origins)) or "'none'"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        f"frame-src {frames}",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
    ])


def init_app(app: Flask) -> None:
    """Set the security headers on every response."""

    @app.before_request
    def no_frames_yet() -> None:
        g.frame_origins = set()

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        present = {name.lower() for name, _value in headers}  # a view's own value stands
        for name, value in (("Content-Security-Policy", content_security_policy()),
                            ("X-Content-Type-Options", "nosniff"),
                            ("Referrer-Policy", "same-origin"),
                            ("X-Frame-Options", "DENY")):
            if name.lower() not in present:
                headers.add(name, value)
        return response
