"""The original one-file program's plain-text routes, answering as it did."""

from flask import Blueprint, Response, current_app

from messageboard import errors, store
from messageboard.auth.permissions import editor_name, may_edit
from messageboard.core.setting import Setting, flag
from messageboard.database.errors import UNAVAILABLE_ERRORS
from messageboard.page_cache import cacheable
from messageboard.validation import InvalidMessage, check_key, check_key_length, check_text

bp = Blueprint("legacy", __name__)

SETTINGS: tuple[Setting, ...] = (
    # GET /add/<key>/<message> writes on a GET, which any page on the web can make a visitor's
    # browser send, so it is off unless an environment opts in.
    flag("LEGACY_GET_WRITES", False),
)

GET_WRITES_OFF = (
    "GET /add/ is switched off here: it changes data on a GET, which any web page can "
    "make a visitor's browser send. Use the form at /messages/new, or set "
    "LEGACY_GET_WRITES to true to switch it on."
)

EDITORS_ONLY = "Adding needs an editor's login: log in at /login, then send this request again."


def plain(text: str, status: int = 200, **headers) -> Response:
    """Return ``text`` as a text/plain response."""
    return Response(text, status, headers, mimetype="text/plain")


def database_unavailable(error: Exception) -> Response:
    """The site's 503, logged as every page's is, in plain text as these routes answer."""
    unavailable = errors.database_unavailable(error)
    return plain(unavailable.description, 503, **{"Retry-After": str(errors.RETRY_AFTER_SECONDS)})


for _error_class in UNAVAILABLE_ERRORS:
    bp.register_error_handler(_error_class, database_unavailable)


@bp.get("/hello")
@cacheable
def hello():
    """Answer the default message's text."""
    return show(store.DEFAULT_KEY)


@bp.get("/show/<key>")
@cacheable
def show(key: str):
    """Answer the message's text, or '<key> not found!' with status 404 (400 for a key over the limit)."""
    try:
        check_key_length(key)
    except InvalidMessage as problem:
        return plain(str(problem), 400)
    message = store.get_message(key)
    if message is None:
        return plain(f"{key} not found!", 404)
    return plain(message.text)


@bp.get("/add/<key>/<message>")
def add(key: str, message: str):
    """Store the text under the key (adding or replacing) where LEGACY_GET_WRITES allows it."""
    if not current_app.config["LEGACY_GET_WRITES"]:
        # An empty Allow header is HTTP's way to say no method is allowed on this resource.
        return plain(GET_WRITES_OFF, 405, Allow="")
    if not may_edit():
        return plain(EDITORS_ONLY, 403)
    try:
        store.put_message(check_key(key), check_text(message), by=editor_name())
    except InvalidMessage as problem:
        return plain(str(problem), 400)
    return plain(f"{key} Added/Updated")
