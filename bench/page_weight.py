"""A page's weight: the page and every file it links, fetched as a browser would, compressed."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import brotli

from bench import BenchError
from bench.server import Response, Server, get

ACCEPT_ENCODING = {"Accept-Encoding": "br, gzip"}
DECODERS = {"none": bytes, "gzip": gzip.decompress, "br": brotli.decompress}
KB = 1024
GOAL_BYTES = 20 * KB
GOAL_REQUESTS = 4
# The attribute of each tag that names a file the browser fetches with the page.
LINKING_ATTRIBUTES = {"link": "href", "script": "src", "img": "src"}


@dataclass(frozen=True)
class Transfer:
    """One response: the path fetched, its body's size as sent and its Content-Encoding."""

    path: str
    size: int
    encoding: str


@dataclass(frozen=True)
class PageWeight:
    """The page's own transfer, then one per distinct file it links, and its stylesheet's path."""

    transfers: list[Transfer]
    stylesheet: str

    @property
    def total(self) -> int:
        """Bytes of every body together."""
        return sum(transfer.size for transfer in self.transfers)


class LinkedFiles(HTMLParser):
    """Collects the distinct paths a page links in link[href], script[src] and img[src]."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path = page_path
        self.paths: list[str] = []
        self.stylesheets: list[str] = []

    def handle_starttag(self, tag, attrs):
        """Note the file a linking tag names, once, and whether it is a stylesheet."""
        attributes = dict(attrs)
        url = attributes.get(LINKING_ATTRIBUTES.get(tag, ""))
        if not url:
            return
        path = self.local_path(url)
        if path not in self.paths:
            self.paths.append(path)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").split():
            self.stylesheets.append(path)

    def local_path(self, url: str) -> str:
        """Return the path and query of ``url`` on the page's server, failing for another server."""
        parts = urlsplit(urljoin(self.page_path, url))
        if parts.netloc:
            raise BenchError(f"{self.page_path} links {url}, on another server")
        return f"{parts.path}?{parts.query}" if parts.query else parts.path


def measure(server: Server, page_path: str) -> PageWeight:
    """Fetch the page and each distinct file it links; fail unless it links one stylesheet."""
    response = fetch(server, page_path)
    page = transfer(page_path, response)
    parser = LinkedFiles(page_path)
    parser.feed(DECODERS[page.encoding](response.body).decode("utf-8", errors="replace"))
    if len(parser.stylesheets) != 1:
        raise BenchError(f"{page_path} links {len(parser.stylesheets)} stylesheets, not one: {parser.stylesheets}")
    files = [transfer(path, fetch(server, path)) for path in parser.paths]
    return PageWeight([page, *files], parser.stylesheets[0])


def fetch(server: Server, path: str) -> Response:
    """GET ``path`` accepting br and gzip; fail unless it answers 200."""
    response = get(server, path, ACCEPT_ENCODING)
    if response.status != 200:
        raise server.failure(f"GET {path} answered {response.status}, not 200")
    return response


def transfer(path: str, response: Response) -> Transfer:
    """The size and Content-Encoding of a response's body as sent."""
    return Transfer(path, len(response.body), response.headers.get("Content-Encoding", "none"))
