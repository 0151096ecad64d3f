"""Rendered pages kept by each worker and answered again, before Flask runs, until the data changes.

Views marked ``@cacheable`` render pages that depend only on the URL and the stored messages.
``PageCacheMiddleware`` keeps their 200 responses and answers repeat GETs straight from memory,
as long as the database's change counter (see ``Database``) has not moved and the visitor's
session holds nothing that changes a page (a flash message waiting, say).
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import wraps

import brotli
from flask import Flask, request
from werkzeug.http import parse_accept_header, parse_cookie, parse_etags

from messageboard.core.health import HEALTH_PATHS
from messageboard.core.setting import Setting, whole
from messageboard.database.errors import UNAVAILABLE_ERRORS

SETTINGS: tuple[Setting, ...] = (
    # Rendered list and message pages each worker keeps until the data changes (0: none).
    whole("PAGE_CACHE_SIZE", 256, least=0, note="0 turns the cache off"),
)

_EXTENSION_KEY = "messageboard.page_cache"
_CACHEABLE = "messageboard.page_cache.cacheable"
# Session keys that never change what a cacheable page shows.
PAGE_NEUTRAL_SESSION_KEYS = frozenset({"csrf_token"})
# Headers that belong to one response, not to the page.
_PER_RESPONSE_HEADERS = frozenset({"set-cookie", "date", "content-length"})


def cacheable(view):
    """Mark a view whose 200 pages depend only on the URL and the stored data."""

    @wraps(view)
    def mark_then_render(*args, **kwargs):
        request.environ[_CACHEABLE] = True
        return view(*args, **kwargs)

    return mark_then_render


# Quick settings: a page is compressed once, when first asked for so, then kept.
COMPRESSORS = {
    "br": lambda body: brotli.compress(body, quality=5),
    "gzip": lambda body: gzip.compress(body, 6, mtime=0),
}
COMPRESS_FROM_BYTES = 1024


@dataclass
class CachedPage:
    """A rendered page: its body, headers and ETag, and its compressed forms once made."""

    body: bytes
    headers: list[tuple[str, str]]
    etag: str
    compressible: bool
    compressed: dict[str, bytes | None] = field(default_factory=dict)

    def encoded(self, environ) -> tuple[str | None, bytes]:
        """The best encoding the request accepts, and the body in it (made on first use)."""
        if not self.compressible or "HTTP_ACCEPT_ENCODING" not in environ:
            return None, self.body
        accepted = parse_accept_header(environ["HTTP_ACCEPT_ENCODING"])
        for encoding, compress in COMPRESSORS.items():
            if accepted.quality(encoding) > 0:
                if encoding not in self.compressed:
                    smaller = compress(self.body)
                    self.compressed[encoding] = smaller if len(smaller) < len(self.body) else None
                if self.compressed[encoding] is not None:
                    return encoding, self.compressed[encoding]
        return None, self.body


class CachedPages:
    """The most recently used pages, all dropped together when the change counter moves."""

    def __init__(self, size: int):
        self.size = size
        self.hits = self.misses = 0
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._counter = None
        self._lock = threading.Lock()

    def get(self, url: str, counter: int) -> CachedPage | None:
        """Return the page kept for ``url`` if the data has not changed since, else None."""
        with self._lock:
            if counter != self._counter:
                self._pages.clear()
                self._counter = counter
            page = self._pages.get(url)
            if page is None:
                self.misses += 1
                return None
            self._pages.move_to_end(url)
            self.hits += 1
            return page

    def put(self, url: str, counter: int, page: CachedPage) -> None:
        """Keep ``page``, rendered from data at ``counter`` or later, evicting the oldest if full."""
        with self._lock:
            if counter != self._counter:
                return
            self._pages[url] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


class PageCacheMiddleware:
    """WSGI middleware answering GET and HEAD from the cached pages when it can, else the app."""

    def __init__(self, app: Flask, wsgi_app, change_counter: Callable[[], Hashable]):
        self.wsgi_app = wsgi_app
        self.change_counter = change_counter
        self.pages = CachedPages(app.config["PAGE_CACHE_SIZE"])
        self.session_cookie = app.config["SESSION_COOKIE_NAME"]
        self.session_serializer = app.session_interface.get_signing_serializer(app)

    def __call__(self, environ, start_response):
        if (
            environ["REQUEST_METHOD"] not in ("GET", "HEAD")
            # A health check reads no change counter: /healthz touches nothing, /readyz asks the database itself.
            or environ.get("PATH_INFO") in HEALTH_PATHS
            or self._session_may_change_page(environ)
        ):
            return self.wsgi_app(environ, start_response)
        # Counted before rendering, so a write during it leaves the page looking older, not newer.
        try:
            counter = self.change_counter()
        except UNAVAILABLE_ERRORS:
            # The database is away: the app answers with its 503 page, which is never kept.
            return self.wsgi_app(environ, start_response)
        url = f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}?{environ.get('QUERY_STRING', '')}"
        page = self.pages.get(url, counter)
        if page is None:
            response = {}

            def hold_start(status, headers, exc_info=None):
                response.update(status=status, headers=headers, exc_info=exc_info)

            body = self.wsgi_app(environ, hold_start)
            # A HEAD's response has no body to keep; only a GET's can be answered again.
            if not (
                environ.get(_CACHEABLE)
                and response["status"].startswith("200 ")
                and environ["REQUEST_METHOD"] == "GET"
                and _shareable(response["headers"])
            ):
                start_response(response["status"], response["headers"], response["exc_info"])
                return body
            page = self._page(body, response["headers"])
            self.pages.put(url, counter, page)
        return self._answer(page, environ, start_response)

    def _session_may_change_page(self, environ) -> bool:
        """Whether the session cookie may hold something a page shows (read, not verified)."""
        cookie = environ.get("HTTP_COOKIE")
        value = parse_cookie(cookie).get(self.session_cookie) if cookie else None
        if not value:
            return False
        if self.session_serializer is None:
            return True
        # Unverified is enough: a forged cookie gets the page anyone without a session gets.
        _, session = self.session_serializer.loads_unsafe(value)
        return not isinstance(session, dict) or not set(session) <= PAGE_NEUTRAL_SESSION_KEYS

    @staticmethod
    def _page(body: Iterable[bytes], headers: list[tuple[str, str]]) -> CachedPage:
        """Read a rendered response into a CachedPage."""
        try:
            content = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        etag = hashlib.blake2b(content, digest_size=16).hexdigest()
        vary = [value for name, value in headers if name.lower() == "vary"]
        kept = [
            (name, value)
            for name, value in headers
            if name.lower() not in _PER_RESPONSE_HEADERS | {"etag", "cache-control", "vary"}
        ]
        # Browsers may keep the page but must ask whether it changed: a 304 costs almost nothing.
        kept += [("Cache-Control", "no-cache"), ("Vary", ", ".join([*vary, "Accept-Encoding"]))]
        content_type = next((value for name, value in kept if name.lower() == "content-type"), "")
        compressible = len(content) >= COMPRESS_FROM_BYTES and content_type.startswith(("text/", "application/json"))
        return CachedPage(content, kept, etag, compressible)

    @staticmethod
    def _answer(page: CachedPage, environ, start_response) -> list[bytes]:
        """Answer with the kept page, compressed if the browser accepts it, or 304 if it has it."""
        encoding, body = page.encoded(environ)
        etag = f'"{page.etag}-{encoding}"' if encoding else f'"{page.etag}"'
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains(etag.strip('"')):
            start_response(
                "304 Not Modified", [*(h for h in page.headers if h[0].lower() != "content-type"), ("ETag", etag)]
            )
            return []
        headers = [*page.headers, ("ETag", etag), ("Content-Length", str(len(body)))]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def _shareable(headers: list[tuple[str, str]]) -> bool:
    """Whether a response may be given to others: it sets no cookie and is not marked private."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie" or (lowered == "cache-control" and ("private" in value or "no-store" in value)):
            return False
    return True


def init_page_cache(app: Flask, change_counter: Callable[[], Hashable] | None) -> None:
    """Put the page cache in front of the app, if ``PAGE_CACHE_SIZE`` and a change counter allow.

    Not where assets rebuild on change: a kept page would go on linking the stylesheet it was
    rendered with, and the request that rebuilds would never reach the app.
    """
    if not (app.config["PAGE_CACHE_SIZE"] and change_counter) or app.config["ASSETS_AUTO_BUILD"]:
        app.extensions[_EXTENSION_KEY] = None
        return
    middleware = PageCacheMiddleware(app, app.wsgi_app, change_counter)
    app.wsgi_app = middleware
    app.extensions[_EXTENSION_KEY] = middleware.pages


def cached_pages(app: Flask) -> CachedPages | None:
    """The app's cached pages, if it has a page cache."""
    return app.extensions[_EXTENSION_KEY]
