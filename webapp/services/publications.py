"""The publications page: every public material of the public events, searched, and
orders of printed copies sent to the event's contact through the outbox."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from webapp.extensions import db
from webapp.mail.outbox import enqueue_rendered_email
from webapp.models import Event, EventStatus, MailKind, Material, MaterialAccess, MaterialType
from webapp.services import DomainError


def _public():
    """Public materials of events that are public (published or cancelled)."""
    return (select(Material).join(Material.event)
            .where(Material.access == MaterialAccess.PUBLIC, Event.status != EventStatus.DRAFT))


def search_publications(text: str = "", type: MaterialType | None = None,
                        year: int | None = None) -> list[Material]:
    """Public materials whose title, authors or summary hold every word of ``text``
    (whatever their case), of ``type`` and ``year`` when given; newest first. One query,
    their events loaded with them."""
    query = _public().options(contains_eager(Material.event).selectinload(Event.contacts))
    for word in text.casefold().split()[:10]:
        query = query.where(Material.search_text.contains(word, autoescape=True))
    if type is not None:
        query = query.where(Material.type == type)
    if year is not None:
        query = query.where(Material.year == year)
    return list(db.session.scalars(
        query.order_by(Material.year.desc().nulls_last(), Material.title, Material.id)))


def publication_years() -> list[int]:
    """The years of the public materials, newest first (the year filter's choices)."""
    years = db.session.scalars(_public().with_only_columns(Material.year).distinct()
                               .where(Material.year.is_not(None)))
    return sorted(years, reverse=True)


def find_publication(material_id: int) -> Material | None:
    """A public material of a public event, or None."""
    return db.session.scalar(_public().where(Material.id == material_id)
                             .options(contains_eager(Material.event)))


def can_order(material: Material) -> bool:
    """A printed copy of ``material`` may be ordered (allowed, and someone takes orders)."""
    return material.orderable and material.event.contact_address is not None


def order_printed_copy(material: Material, order: dict) -> None:
    """Send the order to the event's contact (in the event's language, Reply-To the
    reader) and a confirmation to the reader (in theirs), both through the outbox."""
    event = material.event
    contact = event.contact_address if material.orderable else None
    if contact is None:
        raise DomainError(_("Printed copies of this publication cannot be ordered here."))
    context = {"material": material, "event": event, "order": order,
               "publication_url": url_for("public.publication", material_id=material.id,
                                          _external=True)}
    with force_locale(event.language):
        subject = _("Order of a printed copy: %(title)s", title=material.title)
        enqueue_rendered_email(
            MailKind.ORDER, contact, event=event, key=f"order:{material.id}",
            subject=subject, reply_to=order["email"],
            text=render_template("email/order_request.txt", **context),
            html=render_template("email/order_request.html", **context))
    language = str(get_locale())
    enqueue_rendered_email(
        MailKind.ORDER, order["email"], event=event, key=f"order-confirmation:{material.id}",
        subject=_("Your order: %(title)s", title=material.title), reply_to=contact,
        text=render_template("email/order_confirmation.txt", language=language, **context),
        html=render_template("email/order_confirmation.html", language=language, **context))
