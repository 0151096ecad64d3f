"""The error pages nginx answers itself, rendered once with the site's own error template."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.exceptions import default_exceptions

from messageboard.core.files import write_atomically
from messageboard.errors import render_error
from messageboard.front.nginx import ERRORS_FOLDER
from messageboard.http_security import stand_in_host

# What nginx may answer by itself, each shown as the site's page of that status; nginx's 494
# (request headers too large) is shown, and sent, as a 400.
STATUS_PAGES = {code: code for code in (400, 403, 404, 405, 408, 413, 414, 429, 500, 502, 503, 504)} | {494: 400}
# Where werkzeug's sentence would be wrong, or say nothing, for nginx's reason.
DESCRIPTIONS = {
    429: "Too many requests, or searches, from your address at once. Please wait a moment, then try again.",
    502: "The site is not answering at the moment: it may be restarting. Please try again in a few seconds.",
    503: "The site cannot answer at the moment. Please try again in a few seconds.",
    504: "The site took too long to answer. Please try again in a moment.",
}


def write_error_pages(app: Flask, out: Path) -> list[Path]:
    """Write ``<status>.html`` for each page nginx may show into ``out``/errors; return the files."""
    folder = out / ERRORS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    # Rendered as for a visitor of the site's first trusted host, with no session: the layout's links
    # are paths, so the pages serve any host.
    with app.test_request_context("/", base_url=f"http://{stand_in_host(app.config)}"):
        for code in sorted(set(STATUS_PAGES.values())):
            response = render_error(default_exceptions[code](DESCRIPTIONS.get(code)))
            written.append(folder / f"{code}.html")
            write_atomically(written[-1], response.get_data())
    return written
