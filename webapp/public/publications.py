"""The publications page, one publication, its public file, and ordering a printed copy."""

from __future__ import annotations

from flask import abort, current_app, render_template, request, url_for

from webapp.db import transactional
from webapp.downloads import file_response
from webapp.extensions import limiter
from webapp.forms.publications import OrderForm, PublicationSearchForm
from webapp.htmx import redirect_to, render
from webapp.models import Material
from webapp.public import bp
from webapp.services import DomainError
from webapp.services.publications import (
    can_order,
    find_publication,
    order_printed_copy,
    publication_years,
    search_publications,
)


@bp.get("/publications")
def publications():
    """Every public material, searched by words, type and year (active search with htmx:
    the results alone; a plain GET form without JavaScript: the page)."""
    form = PublicationSearchForm(publication_years(), formdata=request.args)
    valid = form.validate()
    results = search_publications(**form.filters())
    return render("public/_publications.html", "public/publications.html",
                  status=200 if valid else 422, form=form, results=results,
                  searched=any(request.args.get(k) for k in ("q", "type", "year")))


def _publication_or_404(material_id: int) -> Material:
    material = find_publication(material_id)
    if material is None:
        abort(404)
    return material


@bp.get("/publications/<int:material_id>")
def publication(material_id: int):
    """One publication: what it is, where to get it, whether copies can be ordered."""
    material = _publication_or_404(material_id)
    return render_template("public/publication.html", material=material,
                           event=material.event, orderable=can_order(material))


@bp.get("/materials/<int:material_id>/<name>")
def material_file(material_id: int, name: str):
    """A public material's file (cacheable; answers a conditional GET with 304)."""
    material = _publication_or_404(material_id)
    if not material.is_file:
        abort(404)
    return file_response(material, public=True)


def _order_page(material: Material, form: OrderForm, status: int = 200, notice=None):
    return render("public/_order.html", "public/order.html", status=status, form=form,
                  material=material, event=material.event, notice=notice)


def _orderable_or_404(material_id: int) -> Material:
    material = _publication_or_404(material_id)
    if not can_order(material):
        abort(404)
    return material


@bp.get("/publications/<int:material_id>/order")
def order_form(material_id: int):
    """The order form: name, address, number of copies, email."""
    material = _orderable_or_404(material_id)
    form = OrderForm(formdata=None)
    form.stamp()
    return _order_page(material, form)


@bp.post("/publications/<int:material_id>/order")
@limiter.limit(lambda: current_app.config["ORDER_RATE_LIMIT"])
@transactional
def order(material_id: int):
    """Send the order to the event's contact and confirm it to the reader (both by
    email); the same answer whoever orders."""
    material = _orderable_or_404(material_id)
    form = OrderForm()
    if not form.validate():
        return _order_page(material, form, 422)
    try:
        order_printed_copy(material, form.order())
    except DomainError as error:
        return _order_page(material, form, error.status, notice=error.message)
    return redirect_to(url_for("public.order_sent", material_id=material.id))


@bp.get("/publications/<int:material_id>/order/sent")
def order_sent(material_id: int):
    """The order went to the organiser; a confirmation is on its way."""
    material = _publication_or_404(material_id)
    return render_template("public/order_sent.html", material=material, event=material.event)
