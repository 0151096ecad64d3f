"""Servers on free local ports: real gunicorn with the project's own gunicorn settings, and the
development server as `make dev` starts it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT_ROOT, WORK_DIR, BenchError

GUNICORN_CONFIG = PROJECT_ROOT / "config" / "gunicorn.conf.py"
HOST = "127.0.0.1"
# Production answers only the hosts it is given; every bench client asks for 127.0.0.1 or localhost.
TRUSTED_HOSTS = [HOST, "localhost"]
START_TIMEOUT = 20.0
# Longer than graceful_timeout in the gunicorn settings, so a clean stop is never cut short.
STOP_TIMEOUT = 30.0
LOG_LINES_SHOWN = 40


@dataclass(frozen=True)
class Server:
    """A running server process, its port and its error log."""

    name: str
    process: subprocess.Popen
    port: int
    log_path: Path

    def url(self, path: str) -> str:
        """Return the full URL of ``path`` on this server."""
        return f"http://{HOST}:{self.port}{path}"

    def log_tail(self) -> str:
        """Return the last lines of the server's error log."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-LOG_LINES_SHOWN:])

    def failure(self, problem: str) -> BenchError:
        """Return an error about this server that shows its log."""
        return BenchError(f"{self.name}: {problem}\n--- {self.log_path} (last lines) ---\n{self.log_tail()}")


def free_port() -> int:
    """Return a local TCP port nobody is listening on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(name: str, app_uri: str, environment: Mapping[str, str], workers: int) -> Iterator[Server]:
    """Run gunicorn with config/gunicorn.conf.py serving ``app_uri``; stop it on leaving."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", str(GUNICORN_CONFIG), app_uri]
    env = {**environment, "GUNICORN_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    # The settings send the access log to stdout, discarded, and the error log to stderr.
    with serving(f"gunicorn-{name}", command, env, port) as server:
        yield server


@contextmanager
def flask_dev_server(name: str, environment: Mapping[str, str]) -> Iterator[Server]:
    """Run `flask db init`, then `flask run --debug`, reloader and debugger on, as `make dev` does; stop it
    on leaving."""
    init = [sys.executable, "-m", "flask", "--app", "messageboard", "db", "init"]
    subprocess.run(init, cwd=PROJECT_ROOT, env=dict(environment), capture_output=True, check=True)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "flask",
        "--app",
        "messageboard",
        "run",
        "--debug",
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    # The request log and any traceback go to stderr; stdout only has the banner.
    with serving(f"flask-{name}", command, environment, port) as server:
        yield server


@contextmanager
def serving(name: str, command: list[str], environment: Mapping[str, str], port: int) -> Iterator[Server]:
    """Run ``command``, a server that will listen on ``port``, from the project folder with only
    ``environment``; its stderr goes to WORK_DIR/<name>.log. Stop it on leaving."""
    log_path = WORK_DIR / f"{name}.log"
    with log_path.open("wb") as log:
        # A session of its own: whatever the server starts (workers, the reloader's child) can be
        # stopped as one group, and a Ctrl-C reaches only the bench, which stops it here.
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=dict(environment),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        yield Server(name, process, port, log_path)
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask the server to shut down (SIGTERM) and wait, killing it if it does not; then kill
    anything it started that is still running."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:  # the usual case: nothing of the group is left
        pass


@dataclass(frozen=True)
class Response:
    """A response as received: status, headers and the body as sent (not decompressed)."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


def get(server: Server, path: str, headers: Mapping[str, str] | None = None) -> Response:
    """GET ``path`` from the server directly (no proxy) with ``headers``; return the response."""
    return send(server, "GET", path, headers)


def send(
    server: Server, method: str, path: str, headers: Mapping[str, str] | None = None, body: bytes | None = None
) -> Response:
    """Send one request to the server directly (no proxy); return the response."""
    connection = http.client.HTTPConnection(HOST, server.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def get_status(server: Server, path: str) -> int:
    """GET ``path`` from the server directly (no proxy) and return the status code."""
    return get(server, path).status


def wait_until_serving(server: Server, path: str, timeout: float = START_TIMEOUT) -> int:
    """Poll ``path`` until the server answers; return the status, or fail with its log."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise server.failure(f"the server exited with code {server.process.returncode} while starting")
        try:
            return get_status(server, path)
        except OSError:
            if time.monotonic() > deadline:
                raise server.failure(f"not answering on port {server.port} after {timeout:.0f} s") from None
            time.sleep(0.1)


def wait_for_ok(server: Server, path: str) -> None:
    """Fail, showing the server's log, unless GET ``path`` answers 200."""
    status = wait_until_serving(server, path)
    if status != 200:
        raise server.failure(f"GET {path} answered {status}, not 200")
