"""The same site under each WSGI server the README documents: gunicorn with its config file, and
uWSGI, Waitress and Apache's mod_wsgi on messageboard/wsgi.py, each started for real with only its
own bind and process options, with production settings and an SQLite file of its own.

One set of checks runs against every server; then how each one refuses to start, in one line.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from config.settings import ProductionConfig
from messageboard.core import PROJECT_ROOT
from messageboard.http_security import CONTENT_SECURITY_POLICY, REFERRER_POLICY
from tests.helpers import production_site
from tests.live_server import (
    GUNICORN,
    Browser,
    LiveServer,
    ModWsgiServer,
    Reply,
    UwsgiServer,
    WaitressServer,
    free_port,
)

pytestmark = pytest.mark.server

GREETING = "Hello to the World of Flask!"
NO_SECRET = (
    "messageboard: No secret key: set MESSAGEBOARD_SECRET_KEY, or MESSAGEBOARD_SECRET_KEY_FILE to a "
    "file holding one (make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')"
)
NO_TABLES = (
    "messageboard: The database has no tables for the site yet: run "
    "`flask --app messageboard db init` (make run does), then start the server again"
)


def production(folder: Path, **environment: str) -> dict[str, str]:
    """Production settings with a secret, the instance folder (and so the SQLite file) in ``folder``."""
    # urllib's cookie jar returns a Secure cookie only over https; browsers also do over
    # http://127.0.0.1, which they count as a secure origin.
    return production_site(folder, MESSAGEBOARD_SESSION_COOKIE_SECURE="false", **environment)


# Each server as the README starts it, given a folder for its files and the settings.
SERVERS: dict[str, Callable[..., LiveServer]] = {
    "gunicorn": lambda folder, **env: LiveServer(folder / "server.log", workers=2, **env),
    "uwsgi": lambda folder, **env: UwsgiServer(folder / "server.log", workers=2, **env),
    "waitress": lambda folder, **env: WaitressServer(folder / "server.log", threads=4, **env),
    "mod_wsgi": lambda folder, **env: ModWsgiServer(
        folder / "server.log", workers=2, server_root=folder / "apache", **env
    ),
}


@pytest.fixture(scope="module", params=list(SERVERS))
def site(request, tmp_path_factory) -> LiveServer:
    """One server per name, for the whole module, with one editor."""
    folder = tmp_path_factory.mktemp(request.param)
    with SERVERS[request.param](folder, **production(folder)) as server:
        server.add_editor()
        yield server


def editor(site: LiveServer) -> Browser:
    """A browser logged in as the site's editor."""
    browser = Browser(site.url)
    browser.log_in()
    return browser


def stylesheet(site: LiveServer) -> str:
    """The URL of the stylesheet the list page links, with its content hash in the name."""
    return BeautifulSoup(Browser(site.url).get("/")[1], "html.parser").select_one('link[rel="stylesheet"]')["href"]


def get(site: LiveServer, path: str, **headers: str):
    """GET ``path`` without following anything; the response, read, with its headers."""
    request = urllib.request.Request(site.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def assert_security_headers(headers) -> None:
    """The headers messageboard/http_security adds to every response, production's HSTS included."""
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == REFERRER_POLICY
    assert headers["Strict-Transport-Security"] == f"max-age={ProductionConfig.HSTS_SECONDS}; includeSubDomains"


def test_the_list_and_a_message(site):
    browser = Browser(site.url)
    listing = browser.open("/")
    assert listing.status == 200
    assert "default" in [link.get_text() for link in listing.page().select(".message-list .message-key")]
    message = browser.open("/messages/default")
    assert message.status == 200
    assert message.page().select_one(".message-text").get_text() == GREETING


def test_hello_is_the_default_message_as_plain_text(site):
    status, headers, body = get(site, "/hello")
    assert (status, headers.get_content_type(), body.decode()) == (200, "text/plain", GREETING)


def test_add_edit_and_an_edit_conflict_through_the_forms(site):
    mine, theirs = editor(site), editor(site)
    added = mine.send_form("/messages/new", {"key": "served", "text": "Added through\nthe form"})
    assert added.status == 200
    assert added.page().select_one(".flash").get_text(strip=True) == "Added served."
    assert added.page().select_one(".message-text").get_text() == "Added through\nthe form"

    action, fields = mine.form("/messages/served/edit")
    saved = theirs.send_form("/messages/served/edit", {"text": "Their edit"})
    assert saved.status == 200 and saved.page().select_one(".flash").get_text(strip=True) == "Saved served."

    conflict = mine.open(action, {**fields, "text": "My edit"})
    assert conflict.status == 409
    assert conflict.page().select_one(".conflict-current .message-text").get_text() == "Their edit"
    assert Browser(site.url).get("/show/served") == (200, "Their edit")


@pytest.mark.parametrize(("accepted", "encoding"), [("br", "br"), ("gzip", "gzip"), ("identity", None)])
def test_a_hashed_static_file_is_compressed_and_cached_for_good(site, accepted, encoding):
    status, headers, body = get(site, stylesheet(site), **{"Accept-Encoding": accepted})
    assert status == 200
    assert headers["Content-Encoding"] == encoding
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in headers["Vary"]
    assert (headers.get_content_type(), headers.get_content_charset()) == ("text/css", "utf-8")
    assert_security_headers(headers)
    if encoding is None:
        assert b"{" in body


def test_every_kind_of_answer_carries_the_security_headers(site):
    for path in ("/", "/messages/default", "/hello", "/messages/nowhere"):
        status, headers, _ = get(site, path)
        assert status in (200, 404), path
        assert_security_headers(headers)


def test_the_404_page(site):
    for path, description in [
        (
            "/messages/nowhere",
            "There is no message with the key “nowhere”. It may have been deleted, or the address mistyped.",
        ),
        ("/no/such/page", None),
    ]:
        reply = Browser(site.url).open(path)
        assert reply.status == 404, path
        page = reply.page()
        assert page.body["class"] == ["page-error", "page-error-404"], path
        assert page.select_one('link[rel="stylesheet"]') is not None
        if description:
            assert description in page.get_text()


def write_from_another_process(site: LiveServer, key: str, text: str) -> None:
    """Store ``text`` under ``key`` from a process of its own, with the server's settings (its SQLite file)."""
    code = textwrap.dedent(
        f"""
        from messageboard import create_app, store
        app = create_app()
        with app.app_context():
            store.put_message({key!r}, {text!r})
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=site.environment, check=True)


def test_a_change_from_another_process_shows_on_the_next_page(site):
    write_from_another_process(site, "elsewhere", "First")
    browser = Browser(site.url)
    # Several requests, so that the processes and threads serving them keep the page.
    for _ in range(6):
        assert browser.get("/messages/elsewhere")[0] == 200
    cached = browser.open("/messages/elsewhere")
    again = browser.open("/messages/elsewhere", headers={"If-None-Match": cached.headers["ETag"]})
    assert again.status == 304  # kept by the page cache

    write_from_another_process(site, "elsewhere", "Second")
    for _ in range(6):
        reply: Reply = browser.open("/messages/elsewhere")
        assert reply.status == 200
        assert reply.page().select_one(".message-text").get_text() == "Second"


# Refused starts, each server with its own default processes where that is one loading the app
# (mod_wsgi-express: one daemon process). gunicorn with its config file is in test_gunicorn.py;
# here it loads messageboard.wsgi in its worker, as the other servers do.
REFUSING = {
    "gunicorn-without-config": lambda folder, **env: PlainGunicorn(folder / "server.log", workers=1, **env),
    "uwsgi": lambda folder, **env: UwsgiServer(folder / "server.log", workers=2, **env),
    "uwsgi-lazy-apps": lambda folder, **env: UwsgiServer(
        folder / "server.log", workers=2, options=("--lazy-apps",), **env
    ),
    "waitress": SERVERS["waitress"],
    "mod_wsgi": lambda folder, **env: ModWsgiServer(
        folder / "server.log", workers=1, server_root=folder / "apache", log_to_terminal=True, **env
    ),
}
# Apache, and uWSGI's master when a worker stopped it, end with status 0 whatever stopped them.
EXITS_WITH_ZERO = {"uwsgi-lazy-apps", "mod_wsgi"}
# Each lazy-apps worker loads the app, so one more may report before the master stops it.
LOADING_PROCESSES = {"uwsgi-lazy-apps": 2}


class PlainGunicorn(LiveServer):
    """gunicorn given only the app, one worker: its defaults, without the project's config file."""

    def command(self) -> list[str]:
        """gunicorn with its bind and the app."""
        return [GUNICORN, f"--bind=127.0.0.1:{self.port}", "messageboard.wsgi:application"]


def assert_refused(name: str, server: LiveServer, line: str) -> None:
    """The server stops without serving, having printed ``line`` once and no traceback."""
    refusal = server.refused_start()
    problems = refusal.problems()
    assert problems and set(problems) == {line}, refusal.output
    assert len(problems) <= LOADING_PROCESSES.get(name, 1), refusal.output
    assert "Traceback" not in refusal.output
    assert 200 not in refusal.answers
    if name not in EXITS_WITH_ZERO:
        assert refusal.returncode != 0, refusal.output


@pytest.mark.parametrize("name", list(REFUSING))
def test_production_without_a_secret_stops_the_server_with_one_line(tmp_path, name):
    environment = production(tmp_path)
    del environment["MESSAGEBOARD_SECRET_KEY"]
    assert_refused(name, REFUSING[name](tmp_path, **environment), NO_SECRET)


@pytest.mark.parametrize("name", ["uwsgi", "waitress", "mod_wsgi"])
def test_a_database_without_the_tables_stops_the_server_with_one_line(tmp_path, name):
    """Never `flask db init`: the SQLite file the check opens is empty."""
    assert_refused(name, REFUSING[name](tmp_path, **production(tmp_path)), NO_TABLES)


def unreachable_database() -> str:
    """A PostgreSQL URL on a port of 127.0.0.1 nothing listens on."""
    return f"postgresql+psycopg://messageboard@127.0.0.1:{free_port()}/messageboard"


@pytest.mark.parametrize("name", ["uwsgi", "waitress"])
def test_a_server_loading_the_app_once_will_not_start_without_its_database(tmp_path, name):
    """uWSGI's master and Waitress load the app once, at the first start, as gunicorn's master checks."""
    url = unreachable_database()
    server = REFUSING[name](tmp_path, **production(tmp_path, MESSAGEBOARD_DATABASE_URL=url))
    refusal = server.refused_start()
    problems = refusal.problems()
    assert len(problems) == 1 and problems[0].startswith(f"messageboard: DATABASE_URL: cannot connect to {url}")
    assert "Traceback" not in refusal.output and refusal.returncode != 0


@pytest.mark.parametrize("name", ["mod_wsgi", "uwsgi-lazy-apps"])
def test_a_server_loading_the_app_again_starts_without_its_database_and_answers_503(tmp_path, name):
    """mod_wsgi's daemon processes and uWSGI's lazy-apps workers load the app in every process they
    start, a replacement during an outage too: that one must serve the 503 page until it ends."""
    server = REFUSING[name](tmp_path, **production(tmp_path, MESSAGEBOARD_DATABASE_URL=unreachable_database()))
    server.launch()
    try:
        assert server.wait_until_answering("/", 20, any_status=True) == 503
        reply = Browser(server.url).open("/messages/default")
        assert reply.status == 503 and reply.headers["Retry-After"]
        assert "page-error-503" in reply.page().body["class"]
        assert server.process.poll() is None
    finally:
        server.stop()
    assert "messageboard: " not in server.log()


NOT_BUILT = "The static files are not built ({}/manifest.json is missing): run `flask --app messageboard assets build`"


@pytest.mark.parametrize("name", ["uwsgi", "waitress"])
def test_a_server_loading_the_app_once_will_not_start_without_a_build(tmp_path, name):
    never_built = tmp_path / "never-built"
    environment = production(tmp_path, MESSAGEBOARD_ASSETS_BUILD_FOLDER=str(never_built))
    server = REFUSING[name](tmp_path, **environment)
    server.init_database()
    assert_refused(name, server, "messageboard: " + NOT_BUILT.format(never_built))


@pytest.mark.parametrize("name", ["gunicorn-without-config", "uwsgi-lazy-apps", "mod_wsgi"])
def test_a_server_loading_the_app_again_starts_without_a_build_and_says_so(tmp_path, name):
    """A process loading the app again (a replacement, maybe while the build is away) serves pages; its static
    files answer 404 and /readyz 503 until a build, and its log says so in one line."""
    never_built = tmp_path / "never-built"
    server = REFUSING[name](tmp_path, **production(tmp_path, MESSAGEBOARD_ASSETS_BUILD_FOLDER=str(never_built)))
    server.init_database()
    server.launch()
    try:
        server.wait_until_answering("/", 20)
        assert Browser(server.url).open("/").page().select_one(".message-list .message-key").get_text() == "default"
        assert get(server, "/static/gen/site.css")[0] == 404
        status, headers, body = get(server, "/readyz")
        assert (status, headers["Cache-Control"]) == (503, "no-store")
        assert body.decode() == f"static files: {NOT_BUILT.format(never_built)}\n"
        assert server.process.poll() is None
    finally:
        server.stop()
    warning = (
        f"messageboard: {NOT_BUILT.format(never_built)}; serving meanwhile: static files answer 404 and /readyz 503"
    )
    assert warning in server.log()
