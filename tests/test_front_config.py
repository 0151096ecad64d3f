"""The front's nginx alone, from `flask front nginx-config`: the 502 page without gunicorn, TLS, the
static URL path and build folder it is given; and gunicorn's warning for a bind beyond this machine."""

from __future__ import annotations

import http.client
import os
import runpy
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from messageboard.core import PROJECT_ROOT
from messageboard.front import exposed_bind_warning
from tests.live_server import NGINX, free_port
from tests.test_front import Answer, assert_security_headers, environment, fetch

pytestmark = pytest.mark.server


@contextmanager
def nginx_alone(folder, *options: str, **settings: str) -> Iterator[int]:
    """The front's nginx with ``options`` and the site's ``settings``, its gunicorn socket absent; yield its port."""
    port, out = free_port(), folder / "front"
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "front", "nginx-config", "--standalone"]
        + [f"--out={out}", f"--listen=127.0.0.1:{port}", f"--upstream=unix:{out}/no-gunicorn.sock", *options],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment(folder), **settings},
        check=True,
        capture_output=True,
    )
    nginx = subprocess.Popen(
        [NGINX, "-e", "stderr", "-p", str(out), "-c", str(out / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None and time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield port
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


@pytest.fixture
def nginx_without_gunicorn(tmp_path) -> Iterator[int]:
    """The front's nginx alone; yield its port."""
    with nginx_alone(tmp_path) as port:
        yield port


def test_gunicorn_down_is_the_sites_502_page(nginx_without_gunicorn):
    answer = fetch(nginx_without_gunicorn, "/")
    assert answer.status == 502
    page = answer.page()
    assert page.select_one("h1").get_text() == "Bad Gateway"
    assert "may be restarting" in page.select_one(".error-description").get_text()
    assert answer.headers["Cache-Control"] == "no-store"
    assert_security_headers(answer)


@pytest.mark.parametrize(
    ("binds", "exposed"),
    [
        (["127.0.0.1:8000"], None),
        (["unix:/run/messageboard/gunicorn.sock"], None),
        (["localhost:8000", "[::1]:8000", "127.0.1.5:80", "fd://3"], None),
        (["0.0.0.0:8000"], "0.0.0.0:8000"),
        (["127.0.0.1:8000", "10.0.0.11:8000"], "10.0.0.11:8000"),
        (["[::]:8000"], "[::]:8000"),
        (["board.example.org:8000"], "board.example.org:8000"),
    ],
)
def test_a_bind_beyond_this_machine_is_warned_about(binds, exposed):
    warning = exposed_bind_warning(binds)
    if exposed is None:
        assert warning is None
    else:
        assert f"gunicorn listens on {exposed}, beyond this machine" in warning
        assert "`make serve`" in warning and "docs/deploy.md" in warning


class RecordingLog:
    """gunicorn's logger, as far as the start hook uses it."""

    def __init__(self):
        self.warnings: list[str] = []

    def warning(self, message, *args):
        self.warnings.append(message % args if args else message)


def test_gunicorns_start_hook_prints_the_warning(monkeypatch):
    monkeypatch.setattr("messageboard.startup.check_first_start", lambda: None)
    hooks = runpy.run_path(str(PROJECT_ROOT / "config" / "gunicorn.conf.py"))
    for binds, warned in ((["0.0.0.0:8000"], 1), (["unix:/tmp/gunicorn.sock"], 0)):
        server = type("Arbiter", (), {"cfg": type("Config", (), {"bind": binds}), "log": RecordingLog()})()
        hooks["on_starting"](server)
        assert len(server.log.warnings) == warned, binds


def test_nginx_ends_tls_with_the_certificate_it_is_given(tmp_path):
    certificate, key = tmp_path / "site.pem", tmp_path / "site.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
        + ["-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    with nginx_alone(tmp_path, f"--tls-certificate={certificate}", f"--tls-key={key}") as port:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=10, context=ssl._create_unverified_context()
        )
        connection.request("GET", "/static/gen/site.css")
        response = connection.getresponse()
        answer = Answer(response.status, response.headers, response.read())
        connection.close()
    assert (answer.status, answer.headers["Cache-Control"]) == (200, "public, max-age=60")
    assert_security_headers(answer)


def test_tls_needs_both_a_certificate_and_its_key(tmp_path):
    certificate = tmp_path / "site.pem"
    certificate.write_text("not read")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "front", "nginx-config"]
        + [f"--out={tmp_path / 'front'}", f"--tls-certificate={certificate}"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environment(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1]
        == "Error: --tls-certificate and --tls-key go together: give both, or neither"
    )


def test_the_static_url_path_and_build_folder_are_the_sites(tmp_path):
    build = tmp_path / "elsewhere"
    shutil.copytree(PROJECT_ROOT / "build", build)
    (build / "public" / "marker.txt").write_text("served from the build folder set")
    settings = {"MESSAGEBOARD_ASSETS_BUILD_FOLDER": str(build), "MESSAGEBOARD_STATIC_URL_PATH": "/differentstatic"}
    with nginx_alone(tmp_path, **settings) as port:
        marker = fetch(port, "/differentstatic/marker.txt")
        assert (marker.status, marker.body) == (200, b"served from the build folder set")
        assert fetch(port, "/differentstatic/gen/site.css").status == 200
        missing = fetch(port, "/differentstatic/gen/no-such-file.css")
        assert missing.status == 404
        assert missing.page().select_one('link[rel="stylesheet"]')["href"].startswith("/differentstatic/gen/site.")
        # The old path is nothing of nginx's: it goes to gunicorn, absent here.
        assert fetch(port, "/static/gen/site.css").status == 502
