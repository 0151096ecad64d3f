"""Which file of a static export each site URL becomes, and each exported page's URL: both read from the
app's URL map (a URL matched to its endpoint, a page's URL built with url_for), as Frozen-Flask does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from flask import Flask, url_for
from flask.ctx import RequestContext
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

from messageboard.core import whole_number
from messageboard.http_security import stand_in_host
from messageboard.render_mode import EXPORT, RENDER_MODE

# A URL no route answers, for the export's page of what it does not hold.
NOT_FOUND_URL = "/__exported-404__"
NOT_FOUND_PAGE = "404.html"
PAGE = "page"  # a file rendered from its URL
STATIC = "static"  # a built file, copied from the public folder
Query = list[tuple[str, str]]


@dataclass(frozen=True)
class ExportFile:
    """One file of an export: ``PAGE`` or ``STATIC``, its path in the export, and the endpoint serving it live."""

    kind: str
    path: str
    endpoint: str


def list_page(path: str, query: Query) -> str | None:
    """index.html for the whole list's first page, page/<n>.html for the others; a search or an order has none."""
    number = _page_number(query)
    if number is None:
        return None
    return "index.html" if number == 1 else f"page/{number}.html"


def history_page(path: str, query: Query) -> str | None:
    """history/<key>.html for a message's history, history/page-<n>/<key>.html for its later pages.

    Folders by page or revision number, not by message, hold every message's files: a folder per
    message made each export walk (and each re-export replace) twice as many folders as files.
    """
    number, key = _page_number(query), _key_of(path)
    if number is None:
        return None
    return f"history/{key}.html" if number == 1 else f"history/page-{number}/{key}.html"


def revision_page(path: str, query: Query) -> str | None:
    """revisions/<n>/<key>.html for revision n of a message (folders by number, as history_page says)."""
    if query:
        return None
    parts = path.strip("/").split("/")  # messages, <key>, revisions, <n>
    return f"revisions/{parts[3]}/{parts[1]}.html"


def _page_number(query: Query) -> int | None:
    """The page a listing's query asks for (1 without one); None for a search, an order or a bad number."""
    if not query:
        return 1
    return whole_number(query[0][1]) if {name for name, _ in query} == {"page"} else None


def _key_of(path: str) -> str:
    """The message key in a /messages/<key>/... path (no key holds a '/')."""
    return path.strip("/").split("/")[1]


def html_page(path: str, query: Query) -> str | None:
    """The URL's path as an .html file, index.html for a folder's own URL; none with a query."""
    if query:
        return None
    return path.lstrip("/") + ("index.html" if path.endswith("/") else ".html")


def same_path(path: str, query: Query) -> str | None:
    """The URL's path as it is, for a file served by its own name; none with a query."""
    return None if query else path.lstrip("/")


# The one table of what an export holds: each exported endpoint, its kind of file, and how its file is named.
EXPORTED_ENDPOINTS: dict[str, tuple[str, Callable[[str, Query], str | None]]] = {
    "messages.index": (PAGE, list_page),
    "messages.show": (PAGE, html_page),
    "history.history": (PAGE, history_page),
    "history.revision": (PAGE, revision_page),
    "export.search_index": (PAGE, same_path),
    "styleguide.index": (PAGE, html_page),
    "styleguide.state": (PAGE, html_page),
    "static": (STATIC, same_path),
}


class ExportUrls:
    """The export's file for each site URL, by the endpoint the app's URL map matches it to."""

    def __init__(self, url_map: Map):
        # Any host will do: no route of the site depends on it.
        self._routes = url_map.bind("localhost")

    def file_for(self, url: str) -> ExportFile | None:
        """The export's file for a site URL (a path, with its query), or None if no export holds one."""
        parts = urlsplit(url)
        path = unquote(parts.path)
        try:
            endpoint, _ = self._routes.match(path, method="GET")
        except HTTPException:  # no route, not a page (POST only), or a redirect (to the URL with a slash)
            return None
        return _exported(endpoint, path, parts.query)


def planning(app: Flask) -> RequestContext:
    """A request context like those of the export's own requests, in which url_for builds the pages' URLs."""
    # The first host TRUSTED_HOSTS accepts: Flask builds no URL for a request with any other.
    return app.test_request_context(
        base_url=f"http://{stand_in_host(app.config)}/", environ_overrides={RENDER_MODE: EXPORT}
    )


def planned_page(endpoint: str, **values) -> tuple[str, str]:
    """The URL of a page to export, built by url_for inside ``planning(app)``, and its file in the export."""
    url = url_for(endpoint, **values)
    path, _, query = url.partition("?")
    found = _exported(endpoint, unquote(path), query)
    if found is None or found.kind != PAGE:
        raise LookupError(f"{url} ({endpoint}) is not a page an export holds: see EXPORTED_ENDPOINTS")
    return url, found.path


def _exported(endpoint: str, path: str, query: str) -> ExportFile | None:
    """The file of the page or static file that ``endpoint`` serves at ``path`` with ``query``, if exported."""
    if endpoint not in EXPORTED_ENDPOINTS:
        return None
    kind, name = EXPORTED_ENDPOINTS[endpoint]
    file = name(path, parse_qsl(query, keep_blank_values=True))
    return ExportFile(kind, file, endpoint) if file else None
