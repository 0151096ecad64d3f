"""Every database failure is the site's 503, under a real gunicorn with the production settings: a
read-only database folder, a full disk, a database file removed while serving, a lock held past the
busy timeout, and PostgreSQL gone. Each answers the site's 503 with Retry-After (plain text on the
plain-text routes), is logged once per cause, and the next request after recovery succeeds."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from messageboard.database.sqlite import FILE_CHECK_SECONDS
from messageboard.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tests.helpers import production_site
from tests.live_server import Browser, LiveServer, Reply
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.server

PLAIN_PATHS = ("/hello", "/show/default")
PAGE_PATHS = ("/", "/messages/default")
# Seconds a SQLite writer waits for the write lock in these tests, before answering 503.
BUSY_TIMEOUT = 0.5


@contextlib.contextmanager
def tmpfs(folder: Path, size: str = "8m") -> Iterator[Path]:
    """A tmpfs mounted on ``folder`` (root may write anywhere else, so read-only and full need a
    file system of their own), unmounted however the test ends."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder: Path, mode: str) -> None:
    """Make the tmpfs on ``folder`` read-only (``ro``) or writable (``rw``) again."""
    subprocess.run(["mount", "-o", f"remount,{mode}", str(folder)], check=True)


def sqlite_server(tmp_path: Path, database_folder: Path, **settings: str) -> LiveServer:
    """One gunicorn worker (so "once per cause" is one line) on an SQLite file in ``database_folder``."""
    site = production_site(
        tmp_path,
        MESSAGEBOARD_DATABASE_URL=f"sqlite:///{database_folder}/messageboard.sqlite3",
        MESSAGEBOARD_ANONYMOUS_EDITING="true",
        MESSAGEBOARD_LEGACY_GET_WRITES="true",
        MESSAGEBOARD_DATABASE_BUSY_TIMEOUT=str(BUSY_TIMEOUT),
        MESSAGEBOARD_SESSION_COOKIE_SECURE="false",
        **settings,
    )
    return LiveServer(tmp_path / "gunicorn.log", workers=1, **site)


def booted_without_a_request(server: LiveServer, timeout: float = 20) -> None:
    """Start ``server`` and wait for its worker, without a request: it has opened no database file yet."""
    server.init_database()
    server.launch()
    deadline = time.monotonic() + timeout
    while "Worker ready" not in server.log():
        assert time.monotonic() < deadline and server.process.poll() is None, server.log()
        time.sleep(0.05)


def assert_unavailable(reply: Reply, *, plain: bool) -> None:
    """The site's 503 with Retry-After: plain text on the plain-text routes, else the error page."""
    assert reply.status == 503, (reply.status, reply.body[:300])
    assert reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    if plain:
        assert reply.headers["Content-Type"].startswith("text/plain")
        assert reply.body == DATABASE_UNAVAILABLE
        return
    page = reply.page()
    assert "page-error-503" in page.body["class"]
    assert page.select_one("main .error-description").get_text() == DATABASE_UNAVAILABLE


def assert_every_read_unavailable(browser: Browser, rounds: int = 2) -> None:
    """Each page, twice over: all 503."""
    for _ in range(rounds):
        for path in PLAIN_PATHS:
            assert_unavailable(browser.open(path), plain=True)
        for path in PAGE_PATHS:
            assert_unavailable(browser.open(path), plain=False)


def assert_every_read_served(browser: Browser) -> None:
    """Each page answers 200 with what it holds."""
    assert browser.open("/hello").body == "Hello to the World of Flask!"
    assert browser.open("/show/default").body == "Hello to the World of Flask!"
    assert browser.open("/").page().select_one(".greeting").get_text() == "Hello to the World of Flask!"
    assert browser.open("/messages/default").page().select_one(".message-text") is not None


def assert_logged_once(server: LiveServer, cause: str) -> None:
    """One line names the cause, no request failed past the site (gunicorn's own 500), and the
    recovery is logged once."""
    log = server.log()
    logged = [line for line in log.splitlines() if "Database unavailable for" in line]
    assert len(logged) == 1 and logged[0].endswith(cause), logged
    assert "Error handling request" not in log and "Traceback" not in log, log[-3000:]
    assert log.count("Database answering again") == 1, log[-3000:]


def test_gunicorn_will_not_start_on_a_read_only_database_folder_and_says_so_in_one_line(tmp_path):
    """Read-only before the start: the master's schema check printed a traceback."""
    with tmpfs(tmp_path / "db") as folder:
        server = sqlite_server(tmp_path, folder)
        server.init_database()
        remount(folder, "ro")
        refusal = server.refused_start()
    assert refusal.returncode != 0 and refusal.problems() == [
        "messageboard: DATABASE_URL: the database cannot be read (unable to open database file): for SQLite, "
        "let the server write the database's folder (SQLite keeps -wal and -shm files beside it) and give its "
        "disk room; for PostgreSQL, check the role's rights"
    ], refusal.output
    assert "Traceback" not in refusal.output


def test_a_read_only_database_folder_answers_503_then_serves_when_writable(tmp_path):
    """SQLite cannot make its -shm file: the page cache's own read failed first (was gunicorn's 500)."""
    with tmpfs(tmp_path / "db") as folder:
        server = sqlite_server(tmp_path, folder)
        try:
            booted_without_a_request(server)
            remount(folder, "ro")
            browser = Browser(server.url)
            assert_every_read_unavailable(browser)
            assert_unavailable(browser.open("/add/k/text"), plain=True)
            remount(folder, "rw")
            assert_every_read_served(browser)
        finally:
            server.stop()
        assert_logged_once(server, "unable to open database file")


def fill(folder: Path) -> Path:
    """Write a file into ``folder`` until its file system is full."""
    filler = folder / "filler"
    with open(filler, "wb") as file, contextlib.suppress(OSError):
        while True:
            file.write(b"\0" * 65536)
            file.flush()
    return filler


def test_a_full_disk_answers_503_to_writes_then_saves_once_there_is_room(tmp_path):
    with tmpfs(tmp_path / "db", size="2m") as folder, sqlite_server(tmp_path, folder) as server:
        browser = Browser(server.url)
        browser.form("/messages/new")  # the CSRF token, while the session can still be made
        filler = fill(folder)
        long_text = "x" * 9000
        for number in range(3):
            assert_unavailable(browser.open(f"/add/full-{number}/{'y' * 4000}"), plain=True)
            assert_unavailable(
                browser.send_form("/messages/new", {"key": f"f{number}", "text": long_text}), plain=False
            )
        assert browser.open("/hello").status == 200  # reads need no room
        filler.unlink()
        assert browser.open(f"/add/full/{'y' * 4000}").body == "full Added/Updated"
        assert browser.open("/show/full").body == "y" * 4000
    assert_logged_once(server, "database or disk is full")


def test_a_lock_held_past_the_busy_timeout_answers_503_then_writes_when_released(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    with sqlite_server(tmp_path, folder) as server:
        browser = Browser(server.url)
        holder = sqlite3.connect(folder / "messageboard.sqlite3", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            for number in range(3):
                started = time.monotonic()
                assert_unavailable(browser.open(f"/add/locked-{number}/text"), plain=True)
                assert time.monotonic() - started >= BUSY_TIMEOUT
            assert browser.open("/hello").status == 200  # WAL: readers never wait for the writer
        finally:
            holder.rollback()
            holder.close()
        assert browser.open("/add/locked/text").body == "locked Added/Updated"
    assert_logged_once(server, "database is locked")


def test_a_database_file_removed_while_serving_answers_503_until_it_is_back(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    database = folder / "messageboard.sqlite3"
    with sqlite_server(tmp_path, folder) as server:
        browser = Browser(server.url)
        assert_every_read_served(browser)
        kept = folder / "kept.sqlite3"
        os.rename(database, kept)  # as `rm`, with a copy to put back
        time.sleep(FILE_CHECK_SECONDS)  # the longest it may go unnoticed
        assert_every_read_unavailable(browser)
        assert_unavailable(browser.open("/add/gone/text"), plain=True)
        assert not database.exists()  # no empty database made in its place
        os.rename(kept, database)
        time.sleep(FILE_CHECK_SECONDS)
        assert_every_read_served(browser)
        assert browser.open("/add/back/text").body == "back Added/Updated"
    assert_logged_once(server, f"the database file is gone: {database}")


def test_postgresql_gone_answers_503_then_serves_when_back(tmp_path, postgres):
    with postgres.schema() as url, TcpProxy() as proxy:
        from tests.test_postgres import with_port

        site = production_site(
            tmp_path,
            MESSAGEBOARD_DATABASE_URL=with_port(url, proxy.port),
            MESSAGEBOARD_DATABASE_CONNECT_TIMEOUT="2",
            MESSAGEBOARD_SESSION_COOKIE_SECURE="false",
        )
        with LiveServer(tmp_path / "gunicorn.log", workers=1, **site) as server:
            browser = Browser(server.url)
            assert_every_read_served(browser)
            proxy.cut()
            assert_every_read_unavailable(browser)
            proxy.restore()
            assert_every_read_served(browser)
    # Two causes, each once over the 8 requests: the link that dropped, then the connections refused.
    log = server.log()
    causes = [
        line.partition("Database unavailable for ")[2].split(": ", 1)[1]
        for line in log.splitlines()
        if "Database unavailable for" in line
    ]
    assert 1 <= len(causes) == len(set(causes)) <= 2, causes
    assert causes[-1].startswith("connection failed") and causes[-1].endswith("Connection refused"), causes
    assert "Error handling request" not in log and log.count("Database answering again") == len(causes), log[-3000:]
