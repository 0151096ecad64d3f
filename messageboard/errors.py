"""Error pages in the site's layout, for every HTTP error the site can answer."""

import traceback
from pathlib import Path

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateError, TemplateSyntaxError
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, RequestEntityTooLarge, ServiceUnavailable

from messageboard.core import shown_path
from messageboard.database.errors import UNAVAILABLE_ERRORS, is_unavailable
from messageboard.extensions import db, login_manager
from messageboard.request_limits import body_too_large


class MessageNotFound(NotFound):
    """No message has this key; the 404 page offers to add one with it."""

    def __init__(self, key: str):
        super().__init__(
            f"There is no message with the key “{key}”. It may have been deleted, or the address mistyped."
        )
        self.missing_key = key


def register_error_pages(app: Flask) -> None:
    """Answer HTTP errors with the site's error page, and unexpected exceptions with its 500 page."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(CSRFError, render_csrf_error)
    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, render_database_unavailable)
    if app.debug:
        app.register_error_handler(TemplateError, render_template_error)


def render_error(error: HTTPException):
    """Render the error page for an HTTP error, keeping its headers (such as Allow on a 405)."""
    if isinstance(error, InternalServerError):
        # Never show an exception's text to visitors; it is in the log.
        description = "Something went wrong on our side. It has been logged; please try again."
    elif isinstance(error, RequestEntityTooLarge) and error.description == RequestEntityTooLarge.description:
        # werkzeug's bare error; request_limits.check_form_body names the limit where it knows which one it was.
        description = body_too_large(current_app.config["MAX_CONTENT_LENGTH"])
    else:
        description = error.description
    response = error.get_response()
    missing_key = error.missing_key if isinstance(error, MessageNotFound) else None
    response.set_data(
        render_template("errors/error.html", error=error, description=description, missing_key=missing_key)
    )
    response.content_type = "text/html; charset=utf-8"
    return response


def render_csrf_error(error: CSRFError):
    """Explain a rejected form: the page was open too long, or the request did not come from it."""
    return render_template(
        "errors/error.html",
        error=error,
        missing_key=None,
        description=(f"{error.description} The form was not saved: go back, reload the page and submit it again."),
    ), 400


# Seconds a client is asked to wait before trying again when the database cannot answer.
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = (
    "The site cannot reach its database at the moment. Nothing was changed; please try again in a few seconds."
)


def database_unavailable(error: Exception) -> ServiceUnavailable:
    """The 503 to answer while the database cannot; its cause is logged once, not per request, until
    the database answers again (``Database.outages``). The next request tries the database again.

    Raises ``error`` again if it is a bug (an IntegrityError, say): Flask logs it and answers 500.
    """
    if not is_unavailable(error):
        raise error
    if cause := db.outages.failure(error):
        current_app.logger.error("Database unavailable for %s %s: %s", request.method, request.path, cause)
    # The page's layout shows who is logged in; if the failure was loading the editor, show the
    # page as to a visitor instead of asking the database again (Flask-Login keeps the user in g).
    # pinned by tests/test_library_contracts.py::test_flask_login_keeps_the_loaded_user_in_g__login_user
    g.setdefault("_login_user", login_manager.anonymous_user())
    return ServiceUnavailable(DATABASE_UNAVAILABLE, retry_after=RETRY_AFTER_SECONDS)


def render_database_unavailable(error: Exception):
    """Answer 503 with the error page while the database cannot answer."""
    return render_error(database_unavailable(error))


# Lines shown either side of a template's broken line.
EXCERPT_CONTEXT = 3


def render_template_error(error: TemplateError):
    """Development: a template that failed, to compile or while rendering (an undefined variable, a
    missing include), with its file, line and the lines around it."""
    if isinstance(error, TemplateSyntaxError):
        heading, filename, line, source = "A template has a syntax error", error.filename, error.lineno, error.source
    else:
        heading, source = "A template failed while rendering", None
        filename, line = _failing_template_line(error)
    if source is None and filename:
        source = Path(filename).read_text(encoding="utf-8", errors="replace")
    lines = (source or "").splitlines()
    first, last = max(line - EXCERPT_CONTEXT, 1), min(line + EXCERPT_CONTEXT, len(lines))
    excerpt = [(number, lines[number - 1]) for number in range(first, last + 1)]
    return render_template(
        "errors/template_error.html",
        heading=heading,
        problem=error.message or type(error).__name__,
        file=shown_path(Path(filename)) if filename else getattr(error, "name", None) or "<template>",
        line=line,
        excerpt=excerpt,
    ), 500


def _failing_template_line(error: TemplateError) -> tuple[str | None, int]:
    """The template file and line an error was raised at: the innermost template frame of its traceback
    (Jinja rewrites template frames to the template's file and line), or none if no template ran."""
    # pinned by tests/test_library_contracts.py::test_jinja_tracebacks_name_the_template_file_and_line
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename and Path(frame.filename).suffix == ".html" and frame.lineno:
            return frame.filename, frame.lineno
    return None, 0
