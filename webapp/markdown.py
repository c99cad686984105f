"""Markdown from coordinators, rendered safely (raw HTML is escaped)."""

from functools import lru_cache

from markupsafe import Markup


@lru_cache(maxsize=1)
def _renderer():
    """CommonMark without raw HTML (built on first use: the mail worker never needs it)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "linkify": False})


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML; HTML in the source is shown as text, unsafe links dropped."""
    return Markup(_renderer().render(text or ""))
