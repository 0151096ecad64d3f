"""The site under real gunicorn, with the project's config file and several worker processes."""

import subprocess
import threading
import time
import urllib.request

import pytest
from bs4 import BeautifulSoup

from messageboard.core import PROJECT_ROOT
from tests.helpers import LOCAL_HOSTS
from tests.live_server import GUNICORN, Browser, LiveServer

pytestmark = pytest.mark.server


@pytest.fixture
def server(tmp_path):
    """gunicorn with two workers, production settings, an SQLite file of its own and one editor."""
    with LiveServer(
        tmp_path / "gunicorn.log",
        workers=2,
        HOME=str(tmp_path / "home"),
        MESSAGEBOARD_CONFIG="production",
        MESSAGEBOARD_SECRET_KEY="live-server-test-secret",
        MESSAGEBOARD_INSTANCE_PATH=str(tmp_path / "instance"),
        MESSAGEBOARD_LEGACY_GET_WRITES="true",
        # urllib's cookie jar returns a Secure cookie only over https; browsers also do
        # over http://127.0.0.1, which they count as a secure origin.
        MESSAGEBOARD_SESSION_COOKIE_SECURE="false",
    ) as live:
        live.add_editor()
        yield live


def test_forms_and_pages_work_through_gunicorn(server):
    browser = Browser(server.url)
    assert browser.get("/add/anonymous/no")[0] == 403  # production: editors only
    browser.log_in()
    status, html = browser.submit("/messages/new", {"key": "live", "text": "Through gunicorn\nfor real"})
    assert status == 200
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(".flash").get_text() == "Added live."
    assert page.select_one(".message-text").get_text() == "Through gunicorn\nfor real"
    assert Browser(server.url).get("/show/live") == (200, "Through gunicorn\nfor real")


def test_concurrent_writes_across_workers_all_land(server):
    """Sixty adds from six threads reach both workers at once; each is stored and readable."""
    failures = []

    def add_many(thread_number):
        browser = Browser(server.url)
        browser.log_in()
        for index in range(10):
            status, body = browser.get(f"/add/c{thread_number}-{index}/text-{thread_number}-{index}")
            if status != 200:
                failures.append((status, body))

    threads = [threading.Thread(target=add_many, args=(number,)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    browser = Browser(server.url)
    for thread_number in range(6):
        for index in range(10):
            assert browser.get(f"/show/c{thread_number}-{index}") == (200, f"text-{thread_number}-{index}")
    summary = BeautifulSoup(browser.get("/")[1], "html.parser").select_one(".summary").get_text()
    assert summary == "61 messages."
    log = server.log()
    assert "database is locked" not in log
    assert len({line.split("[")[2].split("]")[0] for line in log.splitlines() if "Booting worker" in line}) == 2


def test_static_files_come_hashed_compressed_and_cached_through_gunicorn(server):
    browser = Browser(server.url)
    css = BeautifulSoup(browser.get("/")[1], "html.parser").select_one('link[rel="stylesheet"]')["href"]
    request = urllib.request.Request(server.url + css, headers={"Accept-Encoding": "br"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Encoding"] == "br"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert (response.headers.get_content_type(), response.headers.get_content_charset()) == ("text/css", "utf-8")


def test_access_log_goes_to_standard_output(server):
    Browser(server.url).get("/messages/default")
    # gunicorn writes the access line just after it sends the response.
    deadline = time.monotonic() + 5
    while '"GET /messages/default HTTP/1.1" 200' not in server.log():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)


def test_no_control_socket_is_left_in_the_home_folder(server, tmp_path):
    assert not (tmp_path / "home" / ".gunicorn").exists()


def refused_start(environment: dict) -> tuple[list[str], str]:
    """Start gunicorn with ``environment`` and see it refuse: its ``messageboard:`` lines, and all it printed."""
    result = subprocess.run(
        [GUNICORN, "--config", "config/gunicorn.conf.py"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    return [line for line in output.splitlines() if line.startswith("messageboard:")], output


def bare_environment(tmp_path, config: str = "production", **settings: str) -> dict[str, str]:
    """Only what gunicorn needs to run, and ``config``'s settings class with ``settings``: nothing inherited."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "MESSAGEBOARD_CONFIG": config,
        "MESSAGEBOARD_INSTANCE_PATH": str(tmp_path / "instance"),
        "GUNICORN_BIND": "127.0.0.1:0",
        **settings,
    }


def test_production_without_a_secret_stops_gunicorn_with_one_line(tmp_path):
    problems, output = refused_start(bare_environment(tmp_path))
    assert problems == [
        "messageboard: No secret key: set MESSAGEBOARD_SECRET_KEY, or MESSAGEBOARD_SECRET_KEY_FILE to a "
        "file holding one (make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')"
    ]
    assert "Traceback" not in output


@pytest.mark.parametrize("config", ["production", "staging"])
def test_a_public_site_without_trusted_hosts_stops_gunicorn_with_one_line(tmp_path, config):
    problems, output = refused_start(bare_environment(tmp_path, config, MESSAGEBOARD_SECRET_KEY="a-real-secret"))
    assert problems == [
        "messageboard: TRUSTED_HOSTS is not set, and Staging and Production answer only the host names "
        'they are given: set it, like MESSAGEBOARD_TRUSTED_HOSTS=\'["example.org", ".example.org"]\''
    ]
    assert "Traceback" not in output


def test_production_without_built_assets_stops_gunicorn_with_one_line(tmp_path):
    problems, _ = refused_start(
        bare_environment(
            tmp_path,
            MESSAGEBOARD_SECRET_KEY="a-real-secret",
            MESSAGEBOARD_TRUSTED_HOSTS=LOCAL_HOSTS,
            MESSAGEBOARD_ASSETS_BUILD_FOLDER=str(tmp_path / "never-built"),
        )
    )
    assert problems == [
        f"messageboard: The static files are not built ({tmp_path}/never-built/manifest.json "
        "is missing): run `flask --app messageboard assets build`"
    ]


def test_gunicorn_will_not_start_on_a_database_without_the_schema_and_names_the_command(tmp_path):
    server = LiveServer(
        tmp_path / "gunicorn.log",
        workers=1,
        HOME=str(tmp_path / "home"),
        MESSAGEBOARD_CONFIG="production",
        MESSAGEBOARD_SECRET_KEY="live-server-test-secret",
        MESSAGEBOARD_INSTANCE_PATH=str(tmp_path / "instance"),
    )
    problems, output = refused_start(server.environment)
    assert problems == [
        "messageboard: The database has no tables for the site yet: run "
        "`flask --app messageboard db init` (make run does), then start the server again"
    ], output
    assert "Traceback" not in output
    assert "Booting worker" not in output  # refused in the master, before any worker
