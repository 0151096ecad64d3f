"""The health checks: /healthz (the process answers, looking at nothing) and /readyz (the database and the
static files can serve), in plain text, never cached, answering any Host."""

from __future__ import annotations

import http.client
import json
import logging
import shutil
import socket
import time

import pytest

from messageboard.assets.manifest import Manifest
from messageboard.core import PROJECT_ROOT
from messageboard.core.health import LIVENESS_PATH, READINESS_PATH
from messageboard.export.plan import plan_pages
from messageboard.export.urls import ExportUrls
from messageboard.http_security import CONTENT_SECURITY_POLICY
from messageboard.page_cache import cached_pages
from tests.helpers import parse, production_site
from tests.live_server import LiveServer

BUILD_COMMAND = "run `flask --app messageboard assets build`"


@pytest.fixture
def build_copy(tmp_path):
    """A copy of the test run's build, to break."""
    return shutil.copytree(PROJECT_ROOT / "build", tmp_path / "build", symlinks=True)


@pytest.fixture
def production(make_app, build_copy):
    """A production app answering only the host name ``board.example``, on its own copy of the build."""
    return make_app(
        "production", SECRET_KEY="a-test-secret", TRUSTED_HOSTS=["board.example"], ASSETS_BUILD_FOLDER=str(build_copy)
    )


def ask(app, path: str, host: str = "board.example", **headers):
    """GET ``path`` of ``app`` with this Host header."""
    return app.test_client().get(path, headers={"Host": host, **headers})


def assert_plain_and_uncached(response, body: str) -> None:
    """The answer is ``body`` as text/plain, which nothing may keep, with the security headers."""
    assert response.get_data(as_text=True) == body
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("host", ["board.example", "evil.example", "10.0.0.11:8000", "127.0.0.1"])
def test_both_checks_answer_any_host_when_trusted_hosts_name_others(production, host):
    assert_plain_and_uncached(ask(production, LIVENESS_PATH, host), "ok\n")
    assert_plain_and_uncached(ask(production, READINESS_PATH, host), "ready\n")


@pytest.mark.parametrize("path", ["/", "/hello", "/healthz/", "/readyz.txt", "/static/gen/site.css"])
def test_only_the_two_checks_skip_the_host_check(production, path):
    response = ask(production, path, "evil.example")
    assert response.status_code == 400
    assert "evil.example" in parse(response).select_one("main").get_text()


def test_readyz_names_a_build_that_is_not_there_while_pages_answer(production, build_copy):
    shutil.rmtree(build_copy)
    response = ask(production, READINESS_PATH)
    assert response.status_code == 503
    assert_plain_and_uncached(
        response,
        f"static files: The static files are not built ({build_copy}/manifest.json is missing): {BUILD_COMMAND}\n",
    )
    page = ask(production, "/")
    assert page.status_code == 200
    assert parse(page).select_one(".message-list .message-key").get_text() == "default"
    assert ask(production, LIVENESS_PATH).status_code == 200


def test_readyz_names_the_built_files_that_are_gone(production, build_copy):
    (build_copy / "public" / "gen" / "site.css").unlink()
    names = Manifest.load(build_copy / "manifest.json").files
    response = ask(production, READINESS_PATH)
    assert response.status_code == 503
    assert response.get_data(as_text=True) == (
        f"static files: 1 of the {len({name for pair in names.items() for name in pair})} built static files are missing from {build_copy}/public "
        f"(gen/site.css): {BUILD_COMMAND}\n"
    )


def test_readyz_names_a_build_older_than_its_sources(production, build_copy):
    manifest = build_copy / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "sources": "from other sources"}))
    response = ask(production, READINESS_PATH)
    assert response.status_code == 503
    assert response.get_data(as_text=True) == (
        f"static files: The built static files are older than their sources: {BUILD_COMMAND}\n"
    )


def test_readyz_names_a_database_without_tables_and_logs_why(make_app, build_copy, caplog):
    app = make_app(init_database=False, ASSETS_BUILD_FOLDER=str(build_copy))
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = ask(app, READINESS_PATH, "localhost")
        polled_again = [ask(app, READINESS_PATH, "localhost").status_code for _ in range(3)]
    assert response.status_code == 503
    assert response.get_data(as_text=True) == (
        "database: no answer, or no tables for the site (OperationalError: the server's log says why)\n"
    )
    assert polled_again == [503, 503, 503]
    # Once per cause, however often a balancer polls.
    assert caplog.messages.count("/readyz: the database does not answer: no such table: messages") == 1
    assert ask(app, LIVENESS_PATH, "localhost").status_code == 200


def test_the_page_cache_neither_keeps_nor_counts_the_checks(production, build_copy):
    pages = cached_pages(production)
    assert ask(production, "/").status_code == 200
    seen = pages.hits, pages.misses
    for _ in range(3):
        assert ask(production, READINESS_PATH).status_code == 200
        assert ask(production, LIVENESS_PATH).status_code == 200
    assert (pages.hits, pages.misses) == seen
    (build_copy / "manifest.json").unlink()
    assert ask(production, READINESS_PATH).status_code == 503  # asked again, not kept


@pytest.fixture
def silent_database():
    """A PostgreSQL URL whose server accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"postgresql+psycopg://messageboard@127.0.0.1:{listener.getsockname()[1]}/messageboard"


def test_healthz_waits_for_no_database_where_readyz_names_it(make_app, build_copy, silent_database):
    app = make_app(
        init_database=False,
        DATABASE_URL=silent_database,
        DATABASE_CONNECT_TIMEOUT=2,
        ASSETS_BUILD_FOLDER=str(build_copy),
    )
    started = time.monotonic()
    assert ask(app, LIVENESS_PATH, "localhost").get_data(as_text=True) == "ok\n"
    assert time.monotonic() - started < 0.5
    response = ask(app, READINESS_PATH, "localhost")
    assert response.status_code == 503
    assert response.get_data(as_text=True).startswith("database: no answer")
    assert "127.0.0.1" not in response.get_data(as_text=True)  # the database's address stays in the log


def test_the_checks_answer_under_another_static_path_and_a_proxy_prefix(make_app, build_copy):
    app = make_app(
        "production",
        SECRET_KEY="a-test-secret",
        TRUSTED_HOSTS=["board.example"],
        ASSETS_BUILD_FOLDER=str(build_copy),
        STATIC_URL_PATH="/differentstatic",
        PROXY_FIX_X_PREFIX=1,
    )
    response = ask(app, READINESS_PATH, "10.0.0.11", **{"X-Forwarded-Prefix": "/board"})
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ready\n")
    assert ask(app, "/differentstatic/gen/site.css").status_code == 200


def test_no_export_holds_the_checks(app):
    urls = ExportUrls(app.url_map)
    assert urls.file_for(LIVENESS_PATH) is None
    assert urls.file_for(READINESS_PATH) is None
    with app.app_context():
        planned = {page.url for page in plan_pages(app, with_styleguide=False)}
    assert not planned & {LIVENESS_PATH, READINESS_PATH}


@pytest.mark.server
def test_through_gunicorn_the_checks_answer_any_host_or_none(tmp_path):
    with LiveServer(tmp_path / "gunicorn.log", workers=1, **production_site(tmp_path)) as server:
        for host in ("evil.example", "10.0.0.11"):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", READINESS_PATH, headers={"Host": host})
            response = connection.getresponse()
            assert (response.status, response.read(), response.headers["Cache-Control"]) == (
                200,
                b"ready\n",
                "no-store",
            )
            connection.close()
        # HTTP/1.0 without a Host header, as some load balancers' checks ask.
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
            raw.sendall(f"GET {LIVENESS_PATH} HTTP/1.0\r\n\r\n".encode())
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.0 200 ") and answer.endswith(b"\r\n\r\nok\n"), answer
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("GET", "/", headers={"Host": "evil.example"})
        assert connection.getresponse().status == 400
        connection.close()
