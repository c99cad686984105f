"""Coordinators' event pages: list, create, edit, publish, cancel, duplicate, delete,
import and export."""

from __future__ import annotations

from flask import flash, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_security import current_user
from sqlalchemy import select

from webapp import clock
from webapp.db import transactional
from webapp.extensions import db
from webapp.forms.events import CancelForm, DuplicateForm, EventForm, ImportForm
from webapp.htmx import redirect_to
from webapp.manage import bp
from webapp.manage.access import event_or_404, visible_events
from webapp.manage.dashboard import event_overview
from webapp.models import Event, EventAccess, EventStatus
from webapp.services import DomainError
from webapp.services.audit import record_action
from webapp.services.event_editing import (
    InvalidEvent,
    cancel_event,
    check_event_document,
    create_event,
    delete_draft,
    duplicate_event,
    publish_event,
    update_event,
)
from webapp.services.event_export import event_yaml
from webapp.services.event_import import EventImportError, import_event, parse_event_text


@bp.get("/")
def index():
    """Upcoming events, drafts and past events the user may manage."""
    events = db.session.scalars(visible_events().order_by(Event.starts_at)).all()
    now = clock.now()
    drafts = [e for e in events if e.status is EventStatus.DRAFT]
    upcoming = [e for e in events if e.status is not EventStatus.DRAFT and e.ends_at >= now]
    past = [e for e in events if e.status is not EventStatus.DRAFT and e.ends_at < now][::-1]
    return render_template("manage/events/index.html", upcoming=upcoming, drafts=drafts,
                           past=past)


@bp.route("/events/new", methods=["GET", "POST"])
@transactional
def new_event():
    """A new draft event."""
    form = EventForm()
    if not form.is_submitted():
        return render_template("manage/events/form.html", form=form, event=None)
    valid = form.validate()  # the fields' own checks ("abc" places is no number), then the format's
    try:
        spec = check_event_document(form.document())
        if not valid:
            return render_template("manage/events/form.html", form=form, event=None), 422
        event = create_event(spec)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return render_template("manage/events/form.html", form=form, event=None), 422
    _give_to_creator(event)
    flash(_("The draft is saved. Add its programme, then publish it."), "success")
    return redirect_to(url_for("manage.event", event_id=event.id))


def _give_to_creator(event: Event) -> None:
    """A coordinator who creates an event manages it."""
    if not current_user.is_admin:
        db.session.add(EventAccess(user_id=current_user.id, event_id=event.id))


@bp.get("/events/<int:event_id>")
def event(event_id: int):
    """The event at a glance, with its actions."""
    event = event_or_404(event_id)
    return render_template("manage/events/show.html", event=event, cancel_form=CancelForm(),
                           duplicate_form=DuplicateForm(slug=f"{event.slug}-copy"),
                           **event_overview(event))


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@transactional
def edit_event(event_id: int):
    """Every field of the event format but the programme (its own editor)."""
    event = event_or_404(event_id)
    form = EventForm()
    if not form.is_submitted():
        form.fill_from(event)
        return render_template("manage/events/form.html", form=form, event=event)
    valid = form.validate()
    try:
        spec = check_event_document(form.document(), slug_of=event)
        if not valid:
            return render_template("manage/events/form.html", form=form, event=event), 422
        update_event(event, spec)
    except InvalidEvent as error:
        form.show_problems(error.problems)
        return render_template("manage/events/form.html", form=form, event=event), 422
    flash(_("The event is saved."), "success")
    return redirect_to(url_for("manage.event", event_id=event.id))


@bp.post("/events/<int:event_id>/publish")
@transactional
def publish(event_id: int):
    """Make a draft public."""
    event = event_or_404(event_id)
    return _act(event, lambda: publish_event(event), _("The event is published."))


@bp.post("/events/<int:event_id>/cancel")
@transactional
def cancel(event_id: int):
    """Cancel a published event and tell everyone registered."""
    event = event_or_404(event_id)
    form = CancelForm()
    return _act(event, lambda: cancel_event(event, (form.message.data or "").strip()),
                _("The event is cancelled; everyone registered is being told by email."))


@bp.post("/events/<int:event_id>/duplicate")
@transactional
def duplicate(event_id: int):
    """A draft copy some weeks later (a series' next meeting, next year's edition)."""
    event = event_or_404(event_id)
    form = DuplicateForm()
    if not form.validate():
        return _show_with(event, duplicate_form=form), 422
    try:
        copy = duplicate_event(event, slug=form.slug.data.strip(), weeks=form.weeks.data)
    except InvalidEvent as error:
        form.slug.errors = list(error.problems.values())
        return _show_with(event, duplicate_form=form), 422
    _give_to_creator(copy)
    flash(_("This is the copy, a draft. Check its dates and texts before publishing."), "success")
    return redirect_to(url_for("manage.event", event_id=copy.id))


@bp.post("/events/<int:event_id>/delete")
@transactional
def delete(event_id: int):
    """Delete a draft."""
    event = event_or_404(event_id)
    try:
        delete_draft(event)
    except DomainError as error:
        return _show_with(event, notice=error.message), error.status
    flash(_("The draft is deleted."), "success")
    return redirect_to(url_for("manage.index"))


@bp.get("/events/<int:event_id>/export.yaml")
def export(event_id: int):
    """The event as a file of the import format."""
    event = event_or_404(event_id)
    response = make_response(event_yaml(event))
    response.headers["Content-Type"] = "application/yaml; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}.yaml"'
    return response


@bp.route("/events/import", methods=["GET", "POST"])
@transactional
def import_file():
    """Create or update an event from a YAML or JSON file (the same errors as the CLI)."""
    form = ImportForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("manage/events/import.html", form=form), status
    try:
        event = _import_upload(form.file.data)
    except EventImportError as error:
        form.file.errors = [f"{form.file.data.filename}: {line}"
                            for line in str(error).splitlines()]
        return render_template("manage/events/import.html", form=form), 422
    flash(_("Imported: %(title)s.", title=event.title), "success")
    return redirect_to(url_for("manage.event", event_id=event.id))


def _import_upload(upload) -> Event:
    """Import an uploaded file; a coordinator may only update events they manage."""
    raw = upload.read(1024 * 1024 + 1)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EventImportError(_("the file is not UTF-8 text")) from None
    if len(raw) > 1024 * 1024:
        raise EventImportError(_("the file is larger than 1 MB"))
    spec = parse_event_text(text, upload.filename or "event.yaml")
    existing = db.session.scalar(select(Event.id).where(Event.slug == spec.slug))
    if existing is not None and db.session.scalar(
            visible_events().where(Event.id == existing)) is None:
        raise EventImportError(_("slug: another event already has this address"))
    event = import_event(spec)
    if existing is None:
        _give_to_creator(event)
    record_action("event.import", event=event, note=upload.filename or "")
    return event


def _act(event: Event, action, done: str):
    """Run a state change; its refusal is shown on the event's page."""
    try:
        action()
    except DomainError as error:
        return _show_with(event, notice=error.message), error.status
    flash(done, "success")
    return redirect_to(url_for("manage.event", event_id=event.id))


def _show_with(event: Event, **context):
    """The event's page with a form in error or a notice."""
    context.setdefault("cancel_form", CancelForm())
    context.setdefault("duplicate_form", DuplicateForm(formdata=None,
                                                       slug=f"{event.slug}-copy"))
    return render_template("manage/events/show.html", event=event, **event_overview(event),
                           **context)
