"""Views of a message's history."""

from flask import Blueprint, abort, flash, redirect, request, url_for

from messageboard import store
from messageboard.auth.permissions import editor_name, editor_required
from messageboard.core import REVISIONS_PER_PAGE, whole_number
from messageboard.errors import MessageNotFound
from messageboard.history.forms import RestoreForm
from messageboard.history.pages import diff_page, history_page, revision_page
from messageboard.page_cache import cacheable
from messageboard.render_mode import render_mode

bp = Blueprint("history", __name__)


@bp.get("/messages/<key>/history")
@cacheable
def history(key: str):
    """List the message's revisions, newest first, a page at a time."""
    number = _number_argument("page", 1)
    try:
        message, page = store.message_history(key, page=number, per_page=REVISIONS_PER_PAGE)
    except store.MessageNotFound:
        raise MessageNotFound(key) from None
    except store.PageNotFound:
        abort(404, description=f"There is no page {number} of the history of {key}.")
    return history_page(message, page)


# Not cached: the restore form carries the visitor's own CSRF token.
@bp.get("/messages/<key>/revisions/<int:number>")
def revision(key: str, number: int):
    """Show one revision's text, with a button restoring it."""
    message, (shown,) = _revisions_or_404(key, number)
    # A read-only page (the static export's) shows no form, and has no session to sign a token in.
    return revision_page(message, shown, RestoreForm(formdata=None, meta={"csrf": not render_mode().read_only}))


@bp.get("/messages/<key>/diff")
@cacheable
def diff(key: str):
    """Show what changed between two revisions: ``to`` (default: the newest) and ``from`` (default: the one before)."""
    newest = _message_or_404(key).version
    newer = _number_argument("to", newest)
    older = _number_argument("from", max(newer - 1, 1))
    message, (older_revision, newer_revision) = _revisions_or_404(key, older, newer)
    return diff_page(message, older_revision, newer_revision)


@bp.post("/messages/<key>/revisions/<int:number>/restore")
@editor_required
def restore(key: str, number: int):
    """Save the revision's text as the message's newest; 409 if someone saved it meanwhile."""
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400, description="The form's session has expired; reload the page and restore again.")
    if not form.has_revision():
        abort(400, description="The form lacks the revision it was shown at; reload the page and restore again.")
    try:
        restored = store.restore_revision(key, number, based_on=form.revision.data, by=editor_name())
    except store.RevisionNotFound:
        abort(404, description=f"{key} has no revision {number}.")
    except store.VersionConflict as conflict:
        if conflict.current is None:
            raise MessageNotFound(key) from None
        flash(
            f"{key} was changed since that page was shown; nothing was restored. Check its newest text first.", "error"
        )
        message, (shown,) = _revisions_or_404(key, number)
        return revision_page(message, shown, RestoreForm(formdata=None), 409)
    flash(f"Restored revision {number} of {key} as revision {restored.version}.", "success")
    return redirect(url_for("messages.show", key=key), 303)


def _number_argument(name: str, default: int) -> int:
    """The query argument ``name`` as a whole number from 1 up (``default`` when absent); 400 otherwise."""
    given = request.args.get(name)
    if given is None:
        return default
    number = whole_number(given)
    if number is None:
        abort(400, description=f"{name} must be a whole number from 1 up, not {given!r}.")
    return number


def _message_or_404(key: str) -> store.Message:
    """The message with this key, or the 404 page saying it was not found."""
    message = store.get_message(key)
    if message is None:
        raise MessageNotFound(key)
    return message


def _revisions_or_404(key: str, *numbers: int) -> tuple[store.Message, list[store.Revision]]:
    """The message and these revisions of it, or the 404 page naming what is missing."""
    try:
        return store.get_revisions(key, *numbers)
    except store.MessageNotFound:
        raise MessageNotFound(key) from None
    except store.RevisionNotFound as missing:
        abort(404, description=f"{key} has no revision {missing.number}.")
