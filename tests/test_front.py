"""The production front, for real: `make serve`'s nginx before gunicorn, its headers, caching, compressed
files, its own error pages in the site's layout, the per-address limit, hosts and the visitor's address."""

from __future__ import annotations

import http.client
import socket
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup

from config.settings import ProductionConfig
from messageboard.core import PROJECT_ROOT
from messageboard.front.nginx import FrontOptions
from messageboard.http_security import security_headers
from tests.helpers import LOCAL_HOSTS
from tests.live_server import FrontServer

pytestmark = pytest.mark.server

EXPECTED_HEADERS = security_headers({"HSTS_SECONDS": ProductionConfig.HSTS_SECONDS})
PER_ADDRESS = FrontOptions.connections_per_address
YEAR = "public, max-age=31536000, immutable"


def environment(folder) -> dict[str, str]:
    """Production settings on an SQLite file in ``folder``, for 127.0.0.1 and localhost."""
    return {
        "HOME": str(folder / "home"),
        "MESSAGEBOARD_CONFIG": "production",
        "MESSAGEBOARD_TRUSTED_HOSTS": LOCAL_HOSTS,
        "MESSAGEBOARD_SECRET_KEY": "front-test-secret-0123456789abcdef",
        "MESSAGEBOARD_INSTANCE_PATH": str(folder / "instance"),
        "MESSAGEBOARD_DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
    }


@pytest.fixture(scope="module")
def front(tmp_path_factory) -> Iterator[FrontServer]:
    """`make serve` on a free port, with the production settings."""
    folder = tmp_path_factory.mktemp("front")
    with FrontServer(folder / "serve.log", folder / "front", **environment(folder)) as live:
        live.database = folder / "site.sqlite3"
        yield live


@dataclass
class Answer:
    """A response as sent: status, headers and the raw body."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def page(self) -> BeautifulSoup:
        """The body as HTML."""
        return BeautifulSoup(self.body.decode(), "html.parser")


def fetch(port: int, path: str, method: str = "GET", *, body=None, headers=None, source="127.0.0.1") -> Answer:
    """Send one request on a connection of its own from ``source``; return the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def assert_security_headers(answer: Answer) -> None:
    """Each of the site's security headers, once, with its value."""
    for name, value in EXPECTED_HEADERS:
        assert answer.headers.get_all(name) == [value], name


def assert_site_error_page(answer: Answer, port: int, title: str) -> BeautifulSoup:
    """The site's error page in its layout, its stylesheet served; return the page."""
    page = answer.page()
    assert page.select_one("h1").get_text() == title
    assert page.select_one("header.site-header a.brand") is not None
    stylesheet = page.select_one('link[rel="stylesheet"]')["href"]
    assert fetch(port, stylesheet).status == 200
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert answer.headers["Cache-Control"] == "no-store"
    assert_security_headers(answer)
    return page


def linked_files(port: int) -> tuple[str, str]:
    """The hashed stylesheet and script the home page links."""
    page = fetch(port, "/").page()
    return page.select_one('link[rel="stylesheet"]')["href"], page.select_one("script[src]")["src"]


def test_pages_pass_through_with_the_sites_headers_once(front):
    answer = fetch(front.port, "/")
    assert answer.status == 200
    assert answer.headers["Server"] == "nginx"
    assert_security_headers(answer)


def test_hashed_files_are_cached_for_good_others_briefly(front):
    stylesheet, script = linked_files(front.port)
    for path in (stylesheet, script):
        answer = fetch(front.port, path)
        assert (answer.status, answer.headers["Cache-Control"]) == (200, YEAR), path
        assert_security_headers(answer)
    plain = fetch(front.port, "/static/gen/site.css")
    assert (plain.status, plain.headers["Cache-Control"]) == (200, "public, max-age=60")
    assert_security_headers(plain)
    assert plain.body == (PROJECT_ROOT / "build" / "public" / "gen" / "site.css").read_bytes()


@pytest.mark.parametrize(("accepted", "encoding", "suffix"), [("br, gzip", "br", ".br"), ("gzip", "gzip", ".gz")])
def test_compressed_files_are_sent_from_disk_when_accepted(front, accepted, encoding, suffix):
    stylesheet, _ = linked_files(front.port)
    answer = fetch(front.port, stylesheet, headers={"Accept-Encoding": accepted})
    assert answer.status == 200
    assert answer.headers["Content-Encoding"] == encoding
    assert answer.headers["Vary"] == "Accept-Encoding"
    built = PROJECT_ROOT / "build" / "public" / stylesheet.removeprefix("/static/")
    assert answer.body == built.with_name(built.name + suffix).read_bytes()


def test_a_missing_static_file_is_nginxs_404_in_the_sites_layout(front):
    for path in ("/static/gen/no-such-file.css", "/static/gen/"):
        answer = fetch(front.port, path)
        assert answer.status == 404, path
        assert_site_error_page(answer, front.port, "Not Found")


def test_a_body_over_the_limit_is_refused_by_nginx_with_the_sites_413_page(front):
    answer = fetch(
        front.port,
        "/messages/new",
        "POST",
        body=b"text=" + b"x" * 300_000,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status == 413
    page = assert_site_error_page(answer, front.port, "Request Entity Too Large")
    assert page.select_one("title").get_text() == "413 Request Entity Too Large · Messageboard"
    assert "limit of 262,144 bytes" in page.select_one(".error-description").get_text()


def test_posting_to_a_static_file_is_the_sites_405_page(front):
    answer = fetch(front.port, "/static/gen/site.css", "POST", body=b"")
    assert answer.status == 405
    assert_site_error_page(answer, front.port, "Method Not Allowed")


def test_the_app_sees_the_visitors_address_not_a_forged_one(front):
    source = "127.0.3.7"
    form = fetch(front.port, "/login", source=source)
    cookie = form.headers["Set-Cookie"].split(";")[0]
    token = form.page().select_one('input[name="csrf_token"]')["value"]
    answer = fetch(
        front.port,
        "/login",
        "POST",
        body=f"csrf_token={token}&name=nobody&password=not-the-password",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "X-Forwarded-For": "203.0.113.9",
            "Referer": f"http://127.0.0.1:{front.port}/login",
        },
        source=source,
    )
    assert answer.status in (200, 401, 422), answer.body[:500]
    with sqlite3.connect(front.database) as database:
        addresses = {row[0] for row in database.execute("SELECT address FROM login_failures")}
    assert addresses == {source}


def open_slow_post(port: int, source: str) -> socket.socket:
    """A POST whose headers are sent and whose body never comes: a request nginx holds in progress."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    connection.sendall(
        b"POST /messages/new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    return connection


def test_requests_in_progress_are_capped_per_address(front):
    source = "127.0.4.1"
    # More than the cap: on a busy machine nginx reads some held requests' headers late, and only a
    # request whose headers it has read counts; those past the cap are refused, which is the point.
    held = [open_slow_post(front.port, source) for _ in range(PER_ADDRESS + 8)]
    try:
        # Inside nginx's client_body_timeout (10 s), which would end the held requests.
        deadline = time.monotonic() + 9
        while (answer := fetch(front.port, "/", source=source)).status != 429:
            assert time.monotonic() < deadline, f"no 429 from {source} with {PER_ADDRESS} requests held"
            time.sleep(0.05)
        assert_site_error_page(answer, front.port, "Too Many Requests")
        assert fetch(front.port, "/", source="127.0.4.2").status == 200
    finally:
        for connection in held:
            connection.close()


def test_a_host_outside_trusted_hosts_gets_the_sites_400_for_static_files_too(front):
    stylesheet, _ = linked_files(front.port)
    for path in ("/", "/static/gen/site.css", stylesheet):
        answer = fetch(front.port, path, headers={"Host": "evil.example"})
        assert answer.status == 400, path
        description = answer.page().select_one(".error-description").get_text()
        assert "does not answer to the host name 'evil.example'" in description, path
        assert_security_headers(answer)
    assert fetch(front.port, stylesheet, headers={"Host": "localhost:8080"}).status == 200


def test_clients_that_never_close_their_side_cost_no_worker(front):
    held = []
    try:
        for _ in range(20):
            connection = socket.create_connection(
                ("127.0.0.1", front.port), timeout=10, source_address=("127.0.5.1", 0)
            )
            connection.sendall(b"GET /messages/default HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            held.append(connection)
        assert all(connection.recv(12) == b"HTTP/1.1 200" for connection in held)
        started = time.perf_counter()
        for _ in range(10):
            assert fetch(front.port, "/messages/default").status == 200
        # Two workers: had each open connection kept one for even a second, these would wait ten.
        assert time.perf_counter() - started < 2
    finally:
        for connection in held:
            connection.close()
