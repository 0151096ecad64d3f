"""Views of the message pages."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for

from messageboard import store
from messageboard.auth.permissions import editor_name, editor_required
from messageboard.core import KEY_MAX_LENGTH, SEARCH_MAX_LENGTH, whole_number
from messageboard.errors import MessageNotFound
from messageboard.messages.forms import DeleteMessageForm, EditMessageForm, NewMessageForm
from messageboard.messages.pages import delete_page, edit_page, list_page, message_page, new_page
from messageboard.page_cache import cacheable
from messageboard.validation import InvalidMessage, check_key

bp = Blueprint("messages", __name__)


@bp.app_template_test("valid_key")
def is_valid_key(text: str) -> bool:
    """Whether ``text`` may be a message's key (the template test ``valid_key``)."""
    try:
        check_key(text)
    except InvalidMessage:
        return False
    return True


def get_message_or_404(key: str) -> store.Message:
    """Return the message with this key, or raise the 404 that names it."""
    message = store.get_message(key)
    if message is None:
        raise MessageNotFound(key)
    return message


@bp.get("/")
@cacheable
def index():
    """List messages a page at a time, optionally searched and sorted by last change."""
    page_number = request.args.get("page", "1")
    query = request.args.get("q", "").strip()
    sort = request.args.get("sort", "key")
    number = whole_number(page_number)
    if number is None:
        abort(400, description=f"page must be a whole number from 1 up, not {page_number!r}.")
    if sort not in store.SORT_ORDERS:
        abort(400, description=f"sort must be one of {', '.join(store.SORT_ORDERS)}, not {sort!r}.")
    if len(query) > SEARCH_MAX_LENGTH:
        abort(400, description=f"The search is {len(query)} characters long; the limit is {SEARCH_MAX_LENGTH}.")
    try:
        page = store.list_messages(
            page=number, per_page=current_app.config["MESSAGES_PER_PAGE"], query=query, sort=sort
        )
    except store.PageNotFound:
        abort(404, description=f"There is no page {page_number} of this list.")
    # The greeting welcomes a reader to the list; a search or a later page is already past it.
    greeting = store.get_message(store.DEFAULT_KEY) if number == 1 and not query else None
    return list_page(page, query=query, sort=sort, greeting=greeting)


@bp.get("/messages/<key>")
@cacheable
def show(key: str):
    """Show one message with its times and links to edit or delete it."""
    message = get_message_or_404(key)
    return message_page(message, store.latest_revision(message))


@bp.route("/messages/new", methods=["GET", "POST"])
@editor_required
def create():
    """Show the add form; on a valid submission store the message and go to its page."""
    form = NewMessageForm()
    if request.method == "GET":
        # "Add a message with this key" links from a 404 and an empty search; the form checks it on submit.
        form.key.data = request.args.get("key", "")[:KEY_MAX_LENGTH]
    if form.validate_on_submit():
        try:
            store.add_message(form.key.data, form.text.data, by=editor_name())
        except store.KeyTaken:
            form.reject_taken_key()
        else:
            flash(f"Added {form.key.data}.", "success")
            return redirect(url_for("messages.show", key=form.key.data), 303)
    return new_page(form)


@bp.route("/messages/<key>/edit", methods=["GET", "POST"])
@editor_required
def update(key: str):
    """Show the edit form; save only if nobody changed the message since the form was loaded."""
    form = EditMessageForm()
    if request.method == "GET":
        form.start_from(get_message_or_404(key))
    # A POST goes on even if the message is gone, so the conflict page can give back the text typed.
    if not form.validate_on_submit():
        return edit_page(form, key)
    if not form.has_revision():
        abort(400, description="The form lacks the revision it was based on; reload the page and edit again.")
    try:
        store.update_message(key, form.text.data, based_on=form.revision.data, by=editor_name())
    except store.VersionConflict as conflict:
        return edit_page(form, key, conflict)
    flash(f"Saved {key}.", "success")
    return redirect(url_for("messages.show", key=key), 303)


@bp.route("/messages/<key>/delete", methods=["GET", "POST"])
@editor_required
def delete(key: str):
    """Ask for confirmation, then delete the message and go back to the list."""
    message = get_message_or_404(key)
    form = DeleteMessageForm()
    if form.validate_on_submit():
        try:
            store.delete_message(key, by=editor_name())
        except store.MessageNotFound:
            raise MessageNotFound(key) from None
        flash(f"Deleted {key}. It can be restored from the trash.", "success")
        return redirect(url_for("messages.index"), 303)
    return delete_page(form, message)
