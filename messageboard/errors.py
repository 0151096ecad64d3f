"""Error pages in the site's layout, for every HTTP error the site can answer."""

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge


def register_error_pages(app: Flask) -> None:
    """Answer HTTP errors with the site's error page, and unexpected exceptions with its 500 page."""
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(CSRFError, render_csrf_error)


def render_error(error: HTTPException):
    """Render the error page for an HTTP error, keeping its headers (such as Allow on a 405)."""
    if isinstance(error, InternalServerError):
        # Never show an exception's text to visitors; it is in the log.
        description = "Something went wrong on our side. It has been logged; please try again."
    elif isinstance(error, RequestEntityTooLarge):
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        description = f"The request is larger than this site's limit of {limit:,} bytes; nothing was saved."
    else:
        description = error.description
    response = error.get_response()
    response.set_data(render_template("errors/error.html", error=error, description=description))
    response.content_type = "text/html; charset=utf-8"
    return response


def render_csrf_error(error: CSRFError):
    """Explain a rejected form: the page was open too long, or the request did not come from it."""
    return render_template("errors/error.html", error=error, description=(
        f"{error.description} The form was not saved: go back, reload the page and submit it again."
    )), 400
