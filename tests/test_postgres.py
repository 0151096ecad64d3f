"""The site on PostgreSQL under real gunicorn: hosts sharing one database, and the database going away.

Every server runs with production settings, the page cache on, and is driven through its forms by
an editor who logged in. Databases are schemas of the test's own (tests/databases.py); the outage
tests reach theirs through a TCP proxy they cut and restore (tests/tcp_proxy.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from messageboard.core import PROJECT_ROOT
from messageboard.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from tests.live_server import Browser, LiveServer, Reply, free_port, worker_pids
from tests.stress.stress_helpers import DatabaseCheck
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.server

# How long the site may take to serve again once the database is back.
RECOVERY_SECONDS = 15
# Requests in a row that must all succeed, so that every worker is seen to have recovered.
REQUESTS_IN_A_ROW = 12


def production_server(folder: Path, database_url: str, *, secret_key: str, workers: int) -> LiveServer:
    """gunicorn as deployed on one host: production settings, the given database, files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return LiveServer(
        folder / "gunicorn.log",
        workers=workers,
        HOME=str(folder / "home"),
        MESSAGEBOARD_CONFIG="production",
        MESSAGEBOARD_SECRET_KEY=secret_key,
        MESSAGEBOARD_INSTANCE_PATH=str(folder / "instance"),
        MESSAGEBOARD_DATABASE_URL=database_url,
        # urllib's cookie jar returns a Secure cookie only over https.
        MESSAGEBOARD_SESSION_COOKIE_SECURE="false",
    )


def with_port(url: str, port: int) -> str:
    """The same database URL (user, database, options=search_path) on another port of 127.0.0.1."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def message_keys(reply: Reply) -> list[str]:
    """The keys a list page shows."""
    return [link.get_text() for link in reply.page().select(".message-list .message-key")]


def flash(reply: Reply) -> str:
    """The flash message a page shows."""
    return reply.page().select_one(".flash").get_text(strip=True)


def assert_kept_by_the_page_cache(browser: Browser, path: str) -> None:
    """GET ``path`` twice: the second time, with the first answer's ETag, the cache answers 304."""
    first = browser.open(path)
    assert first.status == 200, first.status
    again = browser.open(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304, f"{path} was not kept by the page cache: {again.status}"


def assert_database_unavailable_page(reply: Reply) -> None:
    """The site's 503 page: the error layout saying the database cannot be reached, with Retry-After."""
    assert reply.status == 503, (reply.status, reply.body[:500])
    assert reply.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = reply.page()
    assert "page-error-503" in page.body["class"]
    assert page.select_one("main h1").get_text() == "Service Unavailable"
    assert page.select_one("main .error-description").get_text() == DATABASE_UNAVAILABLE


# 1. Hosts sharing one database.


def test_two_hosts_on_one_schema_see_each_others_writes_at_once(tmp_path, postgres):
    """Two gunicorns on one schema, as two hosts behind a load balancer (one secret key, so one
    session serves on both): a change made on either shows on the other's next request, even
    where that host's page cache holds the page from before."""
    secret_key = secrets.token_hex(32)
    with (
        postgres.schema() as url,
        # One worker each: a page the test sees kept is kept by the worker that answers next.
        production_server(tmp_path / "a", url, secret_key=secret_key, workers=1) as host_a,
        production_server(tmp_path / "b", url, secret_key=secret_key, workers=1) as host_b,
    ):
        host_a.add_editor()
        editor_on_a = Browser(host_a.url)
        editor_on_a.log_in()
        editor_on_b = Browser(host_b.url, cookies=editor_on_a.cookies)
        visitor_on_a, visitor_on_b = Browser(host_a.url), Browser(host_b.url)

        # The session made on A is good on B.
        new_form_on_b = editor_on_b.open("/messages/new")
        assert new_form_on_b.status == 200
        assert new_form_on_b.page().select_one(".editor-name").get_text() == "tester"
        assert new_form_on_b.page().select_one('main form[method="post"] [name="key"]') is not None

        # Added on A: B's kept list shows it on the next request, and its page is there.
        assert_kept_by_the_page_cache(visitor_on_b, "/")
        assert_kept_by_the_page_cache(visitor_on_b, "/messages/default")
        assert visitor_on_b.open("/messages/shared").status == 404
        added = editor_on_a.send_form("/messages/new", {"key": "shared", "text": "Written on A"})
        assert added.status == 200 and flash(added) == "Added shared."
        listed = visitor_on_b.open("/")
        assert listed.status == 200
        assert message_keys(listed) == ["default", "shared"]
        assert listed.page().select_one(".summary").get_text() == "2 messages."
        shown = visitor_on_b.open("/messages/shared")
        assert shown.status == 200
        assert shown.page().select_one(".message-text").get_text() == "Written on A"

        # Edited on B: A's kept page shows the new text on the next request.
        assert_kept_by_the_page_cache(visitor_on_a, "/messages/shared")
        edited = editor_on_b.send_form("/messages/shared/edit", {"text": "Changed on B"})
        assert edited.status == 200 and flash(edited) == "Saved shared."
        shown = visitor_on_a.open("/messages/shared")
        assert shown.status == 200
        assert shown.page().select_one(".message-text").get_text() == "Changed on B"

        # Deleted on A: B's kept page is gone on the next request.
        assert_kept_by_the_page_cache(visitor_on_b, "/messages/shared")
        assert_kept_by_the_page_cache(visitor_on_b, "/")
        deleted = editor_on_a.send_form("/messages/shared/delete", {})
        assert deleted.status == 200 and flash(deleted) == "Deleted shared. It can be restored from the trash."
        assert visitor_on_b.open("/messages/shared").status == 404
        listed = visitor_on_b.open("/")
        assert message_keys(listed) == ["default"]
        assert listed.page().select_one(".summary").get_text() == "1 message."


# 2. The database going away and coming back.


@dataclass
class ProxiedSite:
    """A server whose database connections all pass through ``proxy``, and that database read directly."""

    server: LiveServer
    proxy: TcpProxy
    database: DatabaseCheck

    def master_is_up(self) -> bool:
        """Whether gunicorn's master still runs."""
        return self.server.process.poll() is None


@pytest.fixture
def proxied_site(tmp_path, postgres) -> Iterator[ProxiedSite]:
    """gunicorn with two workers on a schema of its own, reached through a proxy the test can cut."""
    with postgres.schema() as url, TcpProxy() as proxy:
        through_proxy = with_port(url, proxy.port)
        assert make_url(through_proxy).query == make_url(url).query  # options=-csearch_path=... kept
        database = DatabaseCheck(url)  # straight to PostgreSQL, never through the proxy
        try:
            with production_server(tmp_path, through_proxy, secret_key=secrets.token_hex(32), workers=2) as server:
                server.add_editor()
                yield ProxiedSite(server, proxy, database)
        finally:
            database.dispose()


def get_all(browser: Browser, path: str, times: int) -> list[Reply]:
    """GET ``path`` several times, so that every worker likely answers at least once."""
    return [browser.open(path) for _ in range(times)]


def wait_until_served(site: ProxiedSite, browser: Browser, path: str = "/") -> float:
    """Wait until ``REQUESTS_IN_A_ROW`` GETs of ``path`` in a row answer 200; return the seconds it took."""
    start = time.monotonic()
    deadline = start + RECOVERY_SECONDS
    in_a_row, last = 0, None
    while in_a_row < REQUESTS_IN_A_ROW:
        assert site.master_is_up(), f"gunicorn's master exited:\n{site.server.log()}"
        assert time.monotonic() < deadline, (
            f"{path} still answers {last} {RECOVERY_SECONDS} s after the "
            f"database came back:\n{site.server.log()[-4000:]}"
        )
        last = browser.open(path).status
        in_a_row = in_a_row + 1 if last == 200 else 0
        if last != 200:
            time.sleep(0.1)
    return time.monotonic() - start


def test_pages_answer_503_while_the_database_is_away_and_recover_by_themselves(proxied_site):
    site, proxy = proxied_site, proxied_site.proxy
    visitor, editor = Browser(site.server.url), Browser(site.server.url)
    editor.log_in()
    master, workers = site.server.process.pid, sorted(worker_pids(site.server.process.pid))
    assert len(workers) == 2
    for path in ("/", "/messages/default"):
        assert [reply.status for reply in get_all(visitor, path, 4)] == [200] * 4
    # The add form, opened while the database was there; it is sent during the outage.
    action, fields = editor.form("/messages/new")

    proxy.cut()
    for path in ("/", "/messages/default"):
        for reply in get_all(visitor, path, 4):  # kept pages too: the cache cannot tell they are current
            assert_database_unavailable_page(reply)
    refused = editor.open(action, {**fields, "key": "during-outage", "text": "Sent while the database was away"})
    assert_database_unavailable_page(refused)

    proxy.restore()
    wait_until_served(site, visitor, "/")
    assert site.master_is_up() and site.server.process.pid == master
    # Not even a worker was restarted: each one's pool replaced its dead connections by itself.
    assert sorted(worker_pids(master)) == workers
    assert visitor.open("/messages/default").status == 200

    # Nothing of the add sent during the outage was stored.
    assert site.database.texts("during") == {}
    assert site.database.problems() == []
    assert visitor.open("/messages/during-outage").status == 404

    # The same editor's session adds through the form again.
    added = editor.send_form("/messages/new", {"key": "after-outage", "text": "Sent once the database was back"})
    assert added.status == 200 and flash(added) == "Added after-outage."
    assert site.database.texts("after") == {"after-outage": ("Sent once the database was back", 1)}
    shown = visitor.open("/messages/after-outage")
    assert shown.status == 200
    assert shown.page().select_one(".message-text").get_text() == "Sent once the database was back"


# The workers a site starts with, each of which logs "Worker ready" before any is replaced.
FIRST_WORKERS = 2


def wait_for_replacement(site: ProxiedSite, killed: int, booted_before: int) -> int:
    """Wait until the master has replaced ``killed`` with a worker that finished booting; return its pid.

    A worker logs "Worker ready" once its app is made (config/gunicorn.conf.py), just before it serves;
    the app opens no connection to get there.
    """
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:
        assert site.master_is_up(), f"gunicorn's master exited:\n{site.server.log()[-6000:]}"
        assert time.monotonic() < deadline, f"no worker replaced {killed}:\n{site.server.log()[-6000:]}"
        booted = site.server.log().count("Worker ready (pid: ") - FIRST_WORKERS
        current = worker_pids(site.server.process.pid)
        if booted > booted_before and len(current) == 2 and killed not in current:
            return next(pid for pid in current if pid not in {killed})
        time.sleep(0.1)


def test_a_worker_restarted_while_the_database_is_away_boots_and_answers_503(proxied_site):
    site, proxy = proxied_site, proxied_site.proxy
    visitor = Browser(site.server.url)
    master = site.server.process.pid
    first_workers = worker_pids(master)
    assert [reply.status for reply in get_all(visitor, "/", 4)] == [200] * 4

    proxy.cut()
    assert_database_unavailable_page(visitor.open("/"))
    # Both first workers are killed in turn, each once the other's replacement has booted: every
    # answer after the second kill comes from a worker that started without its database.
    os.kill(first_workers[0], signal.SIGKILL)
    wait_for_replacement(site, first_workers[0], booted_before=0)
    os.kill(first_workers[1], signal.SIGKILL)
    for reply in get_all(visitor, "/", 4):
        assert_database_unavailable_page(reply)
    wait_for_replacement(site, first_workers[1], booted_before=1)
    for reply in get_all(visitor, "/messages/default", 4):
        assert_database_unavailable_page(reply)

    proxy.restore()
    wait_until_served(site, visitor, "/")
    assert site.master_is_up() and site.server.process.pid == master
    assert visitor.open("/messages/default").status == 200
    editor = Browser(site.server.url)
    editor.log_in()
    added = editor.send_form("/messages/new", {"key": "after-restart", "text": "Added by a replacement worker"})
    assert added.status == 200 and flash(added) == "Added after-restart."
    assert site.database.texts("after") == {"after-restart": ("Added by a replacement worker", 1)}


# 3. Starting without the database.


def test_gunicorn_will_not_start_without_its_database_and_says_so_in_one_line(tmp_path, postgres):
    closed_port = free_port()
    url = with_port(postgres.url.render_as_string(hide_password=False), closed_port)
    server = production_server(tmp_path, url, secret_key=secrets.token_hex(32), workers=2)
    start = time.monotonic()
    result = subprocess.run(
        server.command(),
        cwd=PROJECT_ROOT,
        env=server.environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    took = time.monotonic() - start
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert took < 15, f"gunicorn took {took:.1f} s to give up"
    problems = [
        line for line in output.splitlines() if line.startswith("messageboard: DATABASE_URL: cannot connect to")
    ]
    assert len(problems) == 1, output
    assert f"127.0.0.1:{closed_port}" in problems[0]
    assert [line for line in output.splitlines() if line.startswith("messageboard:")] == problems
    assert "Traceback" not in output
    assert "Booting worker" not in output  # refused in the master, before any worker
