"""Coordinators' invitations: add invitees (preview, then confirm), send, resend, remind,
revoke, record answers given by phone or mail; the table's status, live.

Without JavaScript every action is a plain form and a full page; with htmx the
status column follows the outbox while an email is on its way (a small fragment
polled every 5 s, swapped out of band so ticked boxes stay ticked).
"""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_security import current_user

from webapp.db import transactional
from webapp.forms.invitations import (
    AnswerByHandForm,
    ConfirmInviteesForm,
    InviteesForm,
    SelectedForm,
)
from webapp.htmx import redirect_to
from webapp.manage import bp
from webapp.manage.access import event_or_404
from webapp.models import Event, InvitationAnswer, RegistrationKind
from webapp.services import DomainError
from webapp.services.invitation_answers import rsvp_closes_at
from webapp.services.invitations import (
    add_invitees,
    find_invitation,
    invitation_rows,
    preview_invitees,
    record_answer,
    remind,
    remind_unanswered,
    revoke_invitation,
    send_invitation,
    send_invitations,
    state_counts,
)
from webapp.services.invitee_import import (
    InviteeImportError,
    decode_upload,
    parse_csv,
    parse_pasted,
)
from webapp.services.places import places_taken
from webapp.services.seat_requests import seat_request_rows


def page(event: Event, *, status: int = 200, **context):
    """The invitations page: summary, table, seat requests, and the form to add more."""
    rows = invitation_rows(event)
    context.setdefault("form", InviteesForm(formdata=None))
    failed, failed_for = context.pop("answer_form", None), context.pop("answer_for", None)

    def answer_form(invitation) -> AnswerByHandForm:
        """Each row's own form (the one sent with errors, shown again)."""
        if invitation.id == failed_for:
            return failed
        return AnswerByHandForm(formdata=None, prefix=f"answer-{invitation.id}")

    return render_template(
        "manage/invitations/index.html", event=event, invitations=rows,
        counts=state_counts(rows), seats_taken=places_taken(event, RegistrationKind.ON_SITE),
        seat_requests=seat_request_rows(event), closes_at=rsvp_closes_at(event),
        answer_form=answer_form, **context), status


@bp.get("/events/<int:event_id>/invitations")
def invitations(event_id: int):
    """Everyone invited, where each invitation stands, and the form to add more."""
    return page(event_or_404(event_id))


@bp.get("/events/<int:event_id>/invitations/status")
def invitation_status(event_id: int):
    """The status column and the summary, swapped in place while emails are on their way."""
    event = event_or_404(event_id)
    rows = invitation_rows(event)
    return render_template("manage/invitations/_status.html", event=event, invitations=rows,
                           counts=state_counts(rows),
                           seats_taken=places_taken(event, RegistrationKind.ON_SITE))


def _read_list(text: str, source: str):
    """The people of a pasted text or an uploaded file's text."""
    return parse_csv(text) if source == "csv" else parse_pasted(text)


def _submitted_list(form: InviteesForm) -> tuple[str, str]:
    """(text, "csv" or "paste") from the form: the file when one was chosen."""
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", ""):
        return decode_upload(upload.read()), "csv"
    return form.text.data or "", "paste"


@bp.post("/events/<int:event_id>/invitations/preview")
def preview_invitations(event_id: int):
    """Every line read: valid, a duplicate, or its error. Nothing is saved yet."""
    event = event_or_404(event_id)
    form = InviteesForm()
    if not form.validate():
        return page(event, form=form, status=422)
    try:
        text, source = _submitted_list(form)
        lines = preview_invitees(event, _read_list(text, source))
    except InviteeImportError as error:
        (form.file if form.file.data else form.text).errors = [str(error)]
        return page(event, form=form, status=422)
    if not lines:
        form.text.errors = [_("Paste a list of invitees or choose a file.")]
        return page(event, form=form, status=422)
    confirm = ConfirmInviteesForm(formdata=None, prefix="confirm", text=text, source=source)
    return render_template("manage/invitations/preview.html", event=event, lines=lines,
                           confirm=confirm, form=InviteesForm(formdata=None, text=text
                                                              if source == "paste" else ""))


@bp.post("/events/<int:event_id>/invitations/add")
@transactional
def add_invitations(event_id: int):
    """The previewed list read again from the same text, and its new people invited."""
    event = event_or_404(event_id)
    form = ConfirmInviteesForm(prefix="confirm")
    if not form.validate() or form.source.data not in {"paste", "csv"}:
        abort(400)
    try:
        lines = _read_list(form.text.data or "", form.source.data)
        added = add_invitees(event, lines, send=form.send.data)
    except (InviteeImportError, DomainError) as error:
        lines = preview_invitees(event, _read_list(form.text.data or "", form.source.data))
        return render_template("manage/invitations/preview.html", event=event, lines=lines,
                               confirm=form, form=InviteesForm(formdata=None),
                               notice=getattr(error, "message", str(error))), 409
    flash(ngettext("%(num)d person invited.", "%(num)d people invited.", len(added))
          + (" " + _("The invitations are on their way.") if form.send.data and added else ""),
          "success")
    return redirect_to(url_for("manage.invitations", event_id=event.id))


def act(event: Event, action, done):
    """Run an action; its refusal is shown on the page, its outcome flashed."""
    try:
        result = action()
    except DomainError as error:
        return page(event, notice=error.message, status=error.status)
    flash(done(result) if callable(done) else done, "success")
    return redirect_to(url_for("manage.invitations", event_id=event.id))


def _invitation_or_404(event_id: int, invitation_id: int):
    event = event_or_404(event_id)
    invitation = find_invitation(event, invitation_id)
    if invitation is None:
        abort(404)
    return event, invitation


def _reminded(count: int) -> str:
    return ngettext("%(num)d reminder is on its way.", "%(num)d reminders are on their way.",
                    count) if count else _("Nobody to remind: everyone selected has answered, "
                                           "was reminded in the last hour, or was not sent "
                                           "an invitation yet.")


@bp.post("/events/<int:event_id>/invitations/send")
@transactional
def send_unsent(event_id: int):
    """Send every invitation not sent yet."""
    event = event_or_404(event_id)
    return act(event, lambda: send_invitations(event), lambda n: ngettext(
        "%(num)d invitation is on its way.", "%(num)d invitations are on their way.", n))


@bp.post("/events/<int:event_id>/invitations/remind")
@transactional
def remind_all(event_id: int):
    """Remind those who were sent an invitation and have not answered."""
    event = event_or_404(event_id)
    return act(event, lambda: remind_unanswered(event), _reminded)


@bp.post("/events/<int:event_id>/invitations/remind-selected")
@transactional
def remind_selected(event_id: int):
    """Remind the ticked invitations (those still waiting for an answer)."""
    event = event_or_404(event_id)
    form = SelectedForm()
    if not form.validate():
        abort(400)
    wanted = set(form.invitation.data or ())
    chosen = [i for i in invitation_rows(event) if i.id in wanted]
    if not chosen:
        return page(event, notice=_("Tick the invitees to remind first."), status=422)
    return act(event, lambda: remind(event, chosen), _reminded)


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/send")
@transactional
def send_one(event_id: int, invitation_id: int):
    """Send one invitation, or send it again."""
    event, invitation = _invitation_or_404(event_id, invitation_id)
    return act(event, lambda: send_invitation(invitation),
                _("The invitation to %(who)s is on its way.",
                  who=invitation.name or invitation.email))


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/revoke")
@transactional
def revoke_one(event_id: int, invitation_id: int):
    """Withdraw an invitation: its link stops working."""
    event, invitation = _invitation_or_404(event_id, invitation_id)
    return act(event, lambda: revoke_invitation(invitation),
                _("The invitation to %(who)s is withdrawn; its link no longer works.",
                  who=invitation.name or invitation.email))


@bp.post("/events/<int:event_id>/invitations/<int:invitation_id>/answer")
@transactional
def answer_by_hand(event_id: int, invitation_id: int):
    """Record an answer given by phone or mail, with a note."""
    event, invitation = _invitation_or_404(event_id, invitation_id)
    form = AnswerByHandForm(prefix=f"answer-{invitation.id}")
    if not form.validate():
        return page(event, answer_form=form, answer_for=invitation.id, status=422)
    answer = InvitationAnswer(form.answer.data)
    return act(event, lambda: record_answer(invitation, answer, form.note.data or "",
                                             by=current_user.email),
                _("The answer of %(who)s is recorded.", who=invitation.name or invitation.email))
