"""Mail of an event: every message and its fate, retries, the stream link sent now to
everyone (with a progress bar that follows the outbox), and a message of one's own."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from webapp.db import transactional
from webapp.forms.mail_admin import CustomMessageForm
from webapp.forms.registration_admin import ActionForm, new_batch
from webapp.htmx import is_htmx, redirect_to, render
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.services import DomainError
from webapp.services.mail_admin import (
    MailFilters,
    mail_counts,
    outbox_page,
    preview_recipient,
    retry_failed,
    send_custom_message,
    send_stream_link_now,
    stream_link_progress,
)


def _mail_page(event, status=200, notice=None):
    """The mail page, or for htmx the messages partial it includes."""
    filters = MailFilters.from_args(request.args)
    return render("manage/mail/_messages.html", "manage/mail/index.html", status=status,
                  event=event, filters=filters, listing=outbox_page(event, filters),
                  counts=mail_counts([event.id]).get(event.id, {}), notice=notice,
                  progress=stream_link_progress(event), form=ActionForm(formdata=None))


@bp.get("/events/<int:event_id>/mail")
def event_mail(event_id: int):
    """Every message of the event, filtered by kind, state and recipient."""
    return _mail_page(event_or_404(event_id))


def _after(event, action, done):
    """Run ``action`` (returns a count); its refusal is shown on the mail page."""
    try:
        count = action()
    except DomainError as error:
        return _mail_page(event, status=error.status, notice=error.message)
    flash(done(count), "success")
    return redirect_to(url_for("manage.event_mail", event_id=event.id))


@bp.post("/events/<int:event_id>/mail/<int:message_id>/retry")
@transactional
def retry_message(event_id: int, message_id: int):
    """Try a failed message again."""
    event = event_or_404(event_id)
    return _after(event, lambda: retry_failed(event, message_id),
                  lambda count: _("The message is queued again."))


@bp.post("/events/<int:event_id>/mail/retry")
@transactional
def retry_all(event_id: int):
    """Try every failed message of the event again."""
    event = event_or_404(event_id)
    return _after(event, lambda: retry_failed(event), lambda count: ngettext(
        "%(num)d message is queued again.", "%(num)d messages are queued again.", count))


@bp.post("/events/<int:event_id>/mail/stream-link")
@transactional
def stream_link_now(event_id: int):
    """The stream link now to everyone on the web who has not had it (once each, however
    often the button is pressed); then the progress bar."""
    event = event_or_404(event_id)
    return _after(event, lambda: send_stream_link_now(event), lambda count: ngettext(
        "The stream link is queued for %(num)d participant.",
        "The stream link is queued for %(num)d participants.", count))


@bp.get("/events/<int:event_id>/mail/progress")
def mail_progress(event_id: int):
    """The stream link's progress: a fragment that htmx polls until everything is out."""
    event = event_or_404(event_id)
    if not is_htmx():
        return redirect_to(url_for("manage.event_mail", event_id=event.id))
    return render_template("manage/mail/_progress.html", event=event,
                           progress=stream_link_progress(event))


@bp.route("/events/<int:event_id>/mail/new", methods=["GET", "POST"])
@transactional
def compose(event_id: int):
    """A message of one's own: written, previewed with a real recipient, then sent."""
    event = event_or_404(event_id)
    form = CustomMessageForm(formdata=request.form if request.method == "POST" else None,
                             batch=new_batch())
    if request.method == "GET" or not form.validate():
        status = 422 if request.method == "POST" else 200
        return _compose_page(event, form, status=status)
    if "send" not in request.form:
        return _compose_page(event, form, preview=True)
    count = send_custom_message(event, kind=form.kind.data, watched=form.watched.data,
                                subject=form.subject.data.strip(), text=form.text.data,
                                batch=form.batch.data)
    flash(ngettext("The message is queued for %(num)d participant.",
                   "The message is queued for %(num)d participants.", count), "success")
    return redirect_to(url_for("manage.event_mail", event_id=event.id, kind="custom"))


def _compose_page(event, form, *, status=200, preview=False):
    """The form, with the preview (one real recipient's values) when asked for."""
    recipient, count = preview_recipient(event, form.kind.data or "", form.watched.data or "")
    language = (recipient.language if recipient else None) or event.language
    with force_locale(language):  # the email's language (the person's), not the page's
        greeting = _("Hello %(name)s,", name=recipient.name) if recipient else ""
    return render_template("manage/mail/compose.html", event=event, form=form, count=count,
                           preview=preview, recipient=recipient, greeting=greeting), status
