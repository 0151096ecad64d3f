"""A build deleted, outdated or replaced while serving, a worker killed meanwhile, and a master killed while its
workers are stuck: the site goes on serving pages, static files answer 404 or the new build, and a new
gunicorn gets the port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from messageboard.core import PROJECT_ROOT
from messageboard.core.health import LIVENESS_PATH, READINESS_PATH
from messageboard.http_security import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from tests.helpers import parse, production_site, public_site_environment
from tests.live_server import LiveServer, worker_pids

NOT_BUILT = "static files: The static files are not built"
# A rule no stylesheet has, added to a source to make a build differ.
MARKER = ".resilience-marker{color:red}"


@pytest.fixture
def site(tmp_path) -> dict[str, str]:
    """Copies of the static sources and a build of them, as the server's settings."""
    shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")
    settings = production_site(
        tmp_path,
        MESSAGEBOARD_STATIC_FOLDER=str(tmp_path / "static"),
        MESSAGEBOARD_ASSETS_BUILD_FOLDER=str(tmp_path / "build"),
    )
    build(settings)
    return settings


def build(settings: dict[str, str]) -> None:
    """Run `flask assets build` as a deploy would, with the server's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "assets", "build"],
        cwd=PROJECT_ROOT,
        env=public_site_environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def change_a_source(settings: dict[str, str]) -> None:
    """Add MARKER to the site's stylesheet sources."""
    base = Path(settings["MESSAGEBOARD_STATIC_FOLDER"]) / "scss" / "_base.scss"
    base.write_text(base.read_text() + "\n" + MARKER.replace("{", " { ").replace("}", "; }") + "\n")


def get(url: str) -> tuple[int, str, dict]:
    """GET ``url``: status, body and headers; a connection closed without an answer raises."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace"), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)


def static_links(server: LiveServer) -> list[str]:
    """The stylesheet, script and image URLs of the list page."""
    status, html, _ = get(server.url + "/")
    assert status == 200
    page = BeautifulSoup(html, "html.parser")
    links = [link["href"] for link in page.select("link[href]")] + [
        script["src"] for script in page.select("script[src]")
    ]
    assert any(link.endswith(".css") for link in links), links
    return [link for link in links if link.startswith("/static/")]


# Enough requests that each of two workers answers some.
ROUNDS = 6


def answers(url: str) -> set[int]:
    """The statuses of ROUNDS requests for ``url``."""
    return {get(url)[0] for _ in range(ROUNDS)}


def kill_a_worker(server: LiveServer) -> None:
    """SIGKILL one of the master's workers and wait until its replacement has loaded the app and serves."""
    workers = worker_pids(server.process.pid)
    ready = server.log().count("Worker ready")
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = worker_pids(server.process.pid)
        if workers[0] not in current and len(current) == len(workers) and server.log().count("Worker ready") > ready:
            return
        assert server.process.poll() is None, server.log()
        time.sleep(0.1)
    raise AssertionError(server.log())


@pytest.mark.server
def test_deleting_the_build_and_killing_a_worker_leaves_pages_static_404s_and_readyz_503_until_a_rebuild(
    site, tmp_path
):
    with LiveServer(tmp_path / "gunicorn.log", workers=2, **site) as server:
        links = static_links(server)
        assert all(answers(server.url + link) == {200} for link in links)
        assert answers(server.url + READINESS_PATH) == {200}

        shutil.rmtree(site["MESSAGEBOARD_ASSETS_BUILD_FOLDER"])
        for link in [*links, "/static/gen/site.css", "/static/images/logo.svg"]:
            for _ in range(ROUNDS):
                status, html, _ = get(server.url + link)  # before: an empty reply, "Remote end closed connection"
                assert status == 404, link
                assert BeautifulSoup(html, "html.parser").body["class"] == ["page-error", "page-error-404"]
        status, text, headers = get(server.url + READINESS_PATH)
        assert (status, text.startswith(NOT_BUILT), headers["Cache-Control"]) == (503, True, "no-store")

        kill_a_worker(server)  # before: "Worker failed to boot", the master gone
        assert answers(server.url + "/") == {200}
        assert answers(server.url + "/messages/default") == {200}
        assert answers(server.url + READINESS_PATH) == {503}
        assert answers(server.url + links[0]) == {404}
        assert "messageboard: The static files are not built" in server.log()  # the new worker says so, and serves

        change_a_source(site)
        build(site)
        for _ in range(ROUNDS):  # both workers, the one booted without a build too, link the new build
            rebuilt = static_links(server)
            assert rebuilt != links
            stylesheet = next(link for link in rebuilt if link.endswith(".css"))
            status, css, _ = get(server.url + stylesheet)
            assert status == 200 and MARKER in css
        assert answers(server.url + READINESS_PATH) == {200}
        assert server.process.poll() is None


@pytest.mark.server
def test_a_build_made_while_serving_is_linked_and_served_without_a_restart(site, tmp_path):
    with LiveServer(tmp_path / "gunicorn.log", workers=2, **site) as server:
        before = static_links(server)
        for link in ["/static/gen/site.css", *before]:
            assert answers(server.url + link) == {200}  # each worker keeps the small files in memory
        change_a_source(site)
        assert answers(server.url + READINESS_PATH) == {503}
        assert get(server.url + READINESS_PATH)[1] == (
            "static files: The built static files are older than their sources: "
            "run `flask --app messageboard assets build`\n"
        )
        build(site)
        for _ in range(ROUNDS):
            after = static_links(server)
            assert after != before
            status, css, _ = get(server.url + next(link for link in after if link.endswith(".css")))
            assert status == 200 and MARKER in css
            status, css, headers = get(server.url + "/static/gen/site.css")  # the name without a hash, rewritten
            assert status == 200 and MARKER in css and int(headers["Content-Length"]) == len(css.encode())
        assert answers(server.url + READINESS_PATH) == {200}
        assert "Worker exiting" not in server.log()


@pytest.mark.server
def test_settings_broken_while_serving_make_a_new_worker_answer_503_instead_of_stopping_the_server(tmp_path):
    settings_file = tmp_path / "instance" / "messageboard.cfg"
    settings_file.parent.mkdir()
    settings_file.write_text("MESSAGES_PER_PAGE = 20\n")
    with LiveServer(tmp_path / "gunicorn.log", workers=1, **production_site(tmp_path)) as server:
        settings_file.write_text('MESSAGES_PER_PAGE = "lots"\n')
        kill_a_worker(server)  # before: "Worker failed to boot", the master gone
        status, text, headers = get(server.url + "/messages/default")
        assert (status, headers["Cache-Control"]) == (503, "no-store")
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert headers["Permissions-Policy"] == PERMISSIONS_POLICY
        assert text.startswith("This server process cannot serve pages")
        assert get(server.url + LIVENESS_PATH)[:2] == (200, "ok\n")
        assert get(server.url + READINESS_PATH)[0] == 503
        problems = [line for line in server.log().splitlines() if line.startswith("messageboard: ")]
        assert len(problems) == 1 and problems[0].startswith("messageboard: MESSAGES_PER_PAGE must be"), problems

        settings_file.write_text("MESSAGES_PER_PAGE = 20\n")
        kill_a_worker(server)
        assert get(server.url + "/messages/default")[0] == 200
        assert server.process.poll() is None


def hold_every_worker(port: int, workers: int) -> list[socket.socket]:
    """Open one idle connection per sync worker, each of which then waits for a request that never comes."""
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(workers)]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:  # every worker taken: a request is not answered
            urllib.request.urlopen(f"http://127.0.0.1:{port}{LIVENESS_PATH}", timeout=0.5).close()
        except OSError:
            return idle
        time.sleep(0.1)
    raise AssertionError("a worker still answers")


@pytest.mark.server
def test_a_gunicorn_started_after_its_master_was_killed_gets_the_port_while_old_workers_are_stuck(tmp_path):
    settings = production_site(tmp_path)
    old = LiveServer(tmp_path / "old.log", workers=2, **settings).start()
    new = LiveServer(tmp_path / "new.log", workers=2, **settings)
    new.port, new.url, new.environment["GUNICORN_BIND"] = old.port, old.url, old.environment["GUNICORN_BIND"]
    workers = worker_pids(old.process.pid)
    idle = hold_every_worker(old.port, 2)
    try:
        old.process.kill()
        old.process.wait()
        started = time.monotonic()
        new.launch()
        # before: the orphans kept the socket; "Connection in use" five times, then the new master gave up
        new.wait_until_answering(LIVENESS_PATH, timeout=5)
        assert time.monotonic() - started < 5
        assert "Connection in use" not in new.log()
        assert not [pid for pid in workers if Path(f"/proc/{pid}").exists() and not is_zombie(pid)]
    finally:
        for connection in idle:
            connection.close()
        new.stop()
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def is_zombie(pid: int) -> bool:
    """Whether ``pid`` has ended and only waits to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except FileNotFoundError:
        return True


# --- In the app: WhiteNoise's files and the manifest follow the disk -----------------------------------


@pytest.fixture
def served(make_app, tmp_path):
    """A production app on its own copy of the test run's build."""
    build_folder = shutil.copytree(PROJECT_ROOT / "build", tmp_path / "build", symlinks=True)
    app = make_app("production", SECRET_KEY="a-test-secret", ASSETS_BUILD_FOLDER=str(build_folder))
    return app, build_folder


def test_a_static_file_deleted_while_serving_is_the_sites_404_page(served):
    app, build_folder = served
    client = app.test_client()
    stylesheet = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    assert client.get(stylesheet).status_code == 200  # now kept in memory
    (build_folder / "public" / "gen" / "site.js").unlink()  # the manifest stays as it was
    response = client.get("/static/gen/site.js")
    assert response.status_code == 404  # before: FileNotFoundError, an empty reply under gunicorn
    assert parse(response).body["class"] == ["page-error", "page-error-404"]
    shutil.rmtree(build_folder)
    for url in (stylesheet, "/static/images/logo.svg"):
        assert client.get(url).status_code == 404, url
    assert client.get("/").status_code == 200


def test_a_kept_page_follows_a_rebuild_with_other_names(served):
    app, build_folder = served
    client = app.test_client()
    stylesheet = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    assert parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"] == stylesheet  # kept
    manifest, written = build_folder / "manifest.json", build_folder / "manifest.json.new"
    written.write_text(manifest.read_text().replace(Path(stylesheet).name, "site.0123456789ab.css"))
    written.replace(manifest)  # as a build writes it
    assert parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"] == "/static/gen/site.0123456789ab.css"
