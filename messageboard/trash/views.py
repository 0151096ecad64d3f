"""Views of the trash, for editors."""

from flask import Blueprint, abort, flash, redirect, request, url_for

from messageboard import store
from messageboard.auth.permissions import editor_name, editor_required
from messageboard.core import TRASH_PER_PAGE, whole_number
from messageboard.trash.commands import purge
from messageboard.trash.forms import UndeleteForm
from messageboard.trash.pages import trash_page, trashed_page

bp = Blueprint("trash", __name__, cli_group="messages")
bp.cli.add_command(purge)


# None of these pages is cached: each holds restore forms with the visitor's own CSRF token.
@bp.get("/trash")
@editor_required
def index():
    """List the deleted messages, the latest deleted first, each with a button restoring it."""
    given = request.args.get("page", "1")
    number = whole_number(given)
    if number is None:
        abort(400, description=f"page must be a whole number from 1 up, not {given!r}.")
    try:
        page = store.list_trash(page=number, per_page=TRASH_PER_PAGE)
    except store.PageNotFound:
        abort(404, description=f"There is no page {number} of the trash.")
    return trash_page(page, {trashed.message.id: UndeleteForm.opened_on(trashed) for trashed in page.items})


@bp.get("/trash/<int:message_id>")
@editor_required
def trashed(message_id: int):
    """Show a deleted message, with the form restoring it (under another key if its own is taken now)."""
    shown = _trashed_or_404(message_id)
    form = UndeleteForm.opened_on(shown)
    if store.get_message(shown.message.key) is not None:
        form.offer_other_key(store.suggested_key(shown.message.key))
    return trashed_page(shown, form)


@bp.post("/trash/<int:message_id>/restore")
@editor_required
def restore(message_id: int):
    """Bring the message back with its history; 409 offering another key if its key is taken."""
    shown = _trashed_or_404(message_id)
    form = UndeleteForm.of(shown)
    if not form.validate_on_submit():
        return trashed_page(shown, form, 422)
    try:
        restored = store.undelete_message(message_id, key=form.key.data, by=editor_name())
    except store.TrashedMessageNotFound:
        abort(404, description=_not_in_trash(message_id))
    except store.KeyTaken:
        form.offer_other_key(store.suggested_key(form.key.data))
        return trashed_page(shown, form, 409)
    flash(f"Restored {restored.key} with its {shown.revisions + 1} revisions.", "success")
    return redirect(url_for("messages.show", key=restored.key), 303)


def _trashed_or_404(message_id: int) -> store.TrashedMessage:
    """The deleted message with this id, or the 404 page saying the trash does not hold it."""
    try:
        return store.get_trashed(message_id)
    except store.TrashedMessageNotFound:
        abort(404, description=_not_in_trash(message_id))


def _not_in_trash(message_id: int) -> str:
    return f"The trash holds no message {message_id}: it was restored or purged, or never deleted."
