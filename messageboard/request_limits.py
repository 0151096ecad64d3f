"""What a request may carry, each refusal a 4xx page naming the limit or the problem.

- A body over ``MAX_CONTENT_LENGTH``, a multipart field over ``MAX_FORM_MEMORY_SIZE`` or a multipart
  form of more than ``MAX_FORM_PARTS`` parts: 413. werkzeug raises the same bare error for all three;
  ``check_form_body`` says which limit it was.
- A multipart field without a readable name: 400.
- A URL path, query string or url-encoded form whose bytes are not UTF-8 (``/messages/%ff``,
  ``key=%ff``): 400. werkzeug would quietly make them U+FFFD in paths and keep them percent-escaped
  in forms, so ``/add/k/%ff`` would store a replacement character.

Keys, texts, searches and page numbers are checked where they are used (``validation``, the views).
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from messageboard.core.setting import Setting, whole

SETTINGS: tuple[Setting, ...] = (
    # The largest valid form is a 10,000-character text of 4-byte characters, percent-encoded by
    # the browser at 3 bytes per byte: 120,000 bytes. Anything much larger is not a message.
    whole("MAX_CONTENT_LENGTH", 256 * 1024, least=1),
    # multipart/form-data bodies only (browsers send this site's forms url-encoded, which only
    # MAX_CONTENT_LENGTH bounds): the largest field kept in memory, and the most parts. The
    # largest valid field is a 10,000-character text of 4-byte characters, 40,000 bytes; the
    # largest form has 4 fields. A file counts as a part (no form reads files).
    whole("MAX_FORM_MEMORY_SIZE", 64 * 1024, least=1),
    whole("MAX_FORM_PARTS", 16, least=1),
)

URLENCODED = "application/x-www-form-urlencoded"
# The requests whose form the site reads (the CSRF check, the views): a body nothing reads, on a GET
# or to a URL no view answers, is not looked at, as werkzeug would not look at it either.
FORM_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_form_body() -> None:
    """Read a form's body whole and parse it now: 400 if a url-encoded one is not UTF-8, 413 naming
    the limit if it breaks one."""
    if request.method not in FORM_METHODS or request.endpoint is None or not request.want_form_data_parsed:
        return
    raw = None
    try:
        # Read whole (at most MAX_CONTENT_LENGTH, else 413) and kept, so the form is parsed from
        # memory and the parts can be counted if werkzeug finds the form too large.
        # pinned by tests/test_library_contracts.py::test_werkzeug_parses_the_form_from_data_get_data_kept
        raw = request.get_data(parse_form_data=False)
        if request.mimetype == URLENCODED and not _is_utf8(unquote_to_bytes(raw)):
            raise BadRequest("The form's data is not valid UTF-8, as browsers send it; nothing was saved.")
        # Parsed now, inside this try, where werkzeug's bare 413 for a form limit can be named.
        form = request.form
    except RequestEntityTooLarge as error:
        raise RequestEntityTooLarge(_too_large(raw)) from error
    # A multipart part whose name werkzeug cannot read (one with a line break, say) has the key
    # None, which the CSRF check and every view expect to be a string.
    if None in form or None in request.files:
        raise BadRequest("A field of the form has no name that can be read; nothing was saved.")


def _too_large(raw: bytes | None) -> str:
    """Which limit the request broke, as a sentence for the 413 page."""
    if raw is None:
        return body_too_large(request.max_content_length)
    boundary = request.mimetype_params.get("boundary", "").encode("latin-1")
    # Each part opens with "--boundary"; one more closes the form.
    if boundary and raw.count(b"--" + boundary) - 1 > request.max_form_parts:
        return f"The form has more than this site's limit of {request.max_form_parts:,} parts; nothing was saved."
    return (
        f"A field of the form is larger than this site's limit of {request.max_form_memory_size:,} bytes "
        "for one field; nothing was saved."
    )


def body_too_large(limit: int) -> str:
    """The 413 page's sentence for a body over MAX_CONTENT_LENGTH."""
    return f"The request is larger than this site's limit of {limit:,} bytes; nothing was saved."


def _is_utf8(data: bytes) -> bool:
    """Whether ``data`` decodes as UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reject_undecodable_urls() -> None:
    """400 for a URL path or query string whose (percent-decoded) bytes are not UTF-8."""
    # WSGI gives the path percent-decoded, its bytes as latin-1; the query string as sent.
    try:
        path = request.environ.get("PATH_INFO", "").encode("latin-1")
        query = unquote_to_bytes(request.environ.get("QUERY_STRING", "").encode("latin-1"))
    except UnicodeEncodeError:
        path = query = b"\xff"
    if not _is_utf8(path):
        raise BadRequest("The address has characters that are not valid UTF-8; check the link.")
    if not _is_utf8(query):
        raise BadRequest("The address's query (after ?) has characters that are not valid UTF-8; check the link.")


def check_request() -> None:
    """Refuse an undecodable URL, then a form body that is not UTF-8 or breaks a size limit."""
    reject_undecodable_urls()
    check_form_body()


def init_request_limits(app: Flask) -> None:
    """Check each request's URL and form body before anything else looks at them."""
    # create_app calls this before any other extension, and Flask runs the app's before_request
    # functions in the order they were registered: this one runs first, before the CSRF check
    # reads the form.
    app.before_request(check_request)
