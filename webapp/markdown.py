"""Markdown from coordinators, rendered safely (raw HTML is escaped)."""

from markdown_it import MarkdownIt
from markupsafe import Markup

_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to HTML; HTML in the source is shown as text, unsafe links dropped."""
    return Markup(_renderer.render(text or ""))
