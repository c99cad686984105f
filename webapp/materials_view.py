"""How pages show a material: its type in words, its size, its language, and where
its link goes for this reader."""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from webapp.models import Material, MaterialType

TYPE_LABELS = {
    MaterialType.REPORT: _l("Report"), MaterialType.MANUAL: _l("Manual"),
    MaterialType.BROCHURE: _l("Brochure"), MaterialType.SLIDES: _l("Slides"),
    MaterialType.OTHER: _l("Other"),
}


def material_type(value: MaterialType | str) -> str:
    """``Report`` / ``Rapport`` / ``Raportti``."""
    return str(TYPE_LABELS[MaterialType(value)])


def file_size(size: int | None) -> str:
    """``840 kB``, ``2.4 MB`` in the reader's number format."""
    size = size or 0
    if size < 1000 * 1000:
        return f"{format_decimal(max(1, round(size / 1000)), locale=get_locale())} kB"
    return f"{format_decimal(round(size / 1000 / 1000, 1), '#,##0.0', locale=get_locale())} MB"


def language_name(code: str) -> str:
    """``svenska`` / ``Swedish`` / ``ruotsi``: a language's name in the reader's."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(get_locale()) or code
    except (UnknownLocaleError, ValueError):
        return code


def material_href(material: Material, token: str | None = None, via: str = "participant",
                  external: bool = False) -> str:
    """Where a reader opens the material: a public one at its own address (a link's, or
    the file's public download); one for registered participants through the reader's
    signed link (``via`` the personal page's token or the watch page's). ``external``:
    an absolute address (emails)."""
    if material.is_public:
        if material.url:
            return material.url
        return url_for("public.material_file", material_id=material.id, name=material.filename,
                       _external=external)
    endpoint = "participant.watch_material" if via == "watch" else "participant.material"
    return url_for(endpoint, token=token, material_id=material.id, _external=external)
