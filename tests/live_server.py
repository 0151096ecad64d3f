"""Start the real gunicorn, with the project's own config file, on a free port for a test."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Self

from bs4 import BeautifulSoup

from messageboard.core import PROJECT_ROOT
from tests.helpers import form_fields

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
# The editor the server tests log in as.
EDITOR, EDITOR_PASSWORD = "tester", "a long enough password"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """gunicorn serving messageboard with ``environment`` added to a clean environment."""

    def __init__(self, log_path: Path, workers: int = 2, **environment: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.environment = {
            **{name: value for name, value in os.environ.items() if not name.startswith("MESSAGEBOARD_")},
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
            **environment,
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> Self:
        """Create the schema as `make run` does, start the server and wait until it answers, raising with
        its log if it does not."""
        with open(self.log_path, "wb") as log:
            # A database that cannot be reached fails here too; the server then says why, in one line.
            subprocess.run(
                [sys.executable, "-m", "flask", "--app", "messageboard", "db", "init"],
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
            self.process = subprocess.Popen(
                self.command(),
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command()[0]} exited with {self.process.returncode}:\n{self.log()}")
            try:
                urllib.request.urlopen(self.url + "/hello", timeout=5).close()
                return self
            except OSError:  # refused while starting, or timed out on a first request that builds
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command()[0]} did not answer within {timeout} s:\n{self.log()}")

    def command(self) -> list[str]:
        """The server's command line."""
        return [GUNICORN, "--config", "config/gunicorn.conf.py"]

    def stop(self) -> int | None:
        """Stop gunicorn gracefully (SIGTERM) and return its exit status."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process else None

    def add_editor(self, name: str = EDITOR, password: str = EDITOR_PASSWORD) -> None:
        """Run the real `flask editors add` against this server's settings, answering its prompts."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "messageboard", "editors", "add", name],
            input=f"{password}\n{password}\n",
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            env=self.environment,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    def log(self) -> str:
        """Everything gunicorn and the app wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class DevServer(LiveServer):
    """The development server, as `make dev` starts it: `flask run --debug`, with its reloader."""

    def command(self) -> list[str]:
        """flask run with the debugger and the reloader, on this server's port."""
        return [sys.executable, "-m", "flask", "--app", "messageboard", "run", "--debug", "--port", str(self.port)]

    def stop(self) -> int | None:
        """Stop the reloader and the server process it started (one process group)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        return self.process.returncode if self.process else None


def worker_pids(master_pid: int) -> list[int]:
    """The gunicorn master's current child processes: its workers."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        return [int(pid) for pid in children]
    except FileNotFoundError:  # a kernel without CONFIG_PROC_CHILDREN: scan every process's parent
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rpartition(")")[2].split()[1]) == master_pid:
                    pids.append(int(entry.name))
        return pids


@dataclass
class Reply:
    """A response as a browser got it, after following redirects."""

    status: int
    headers: Message
    body: str

    def page(self) -> BeautifulSoup:
        """The body, parsed as HTML."""
        return BeautifulSoup(self.body, "html.parser")


class Browser:
    """A cookie-keeping HTTP client that submits forms the way a browser does.

    Browsers made with the same ``cookies`` share a session, as one browser does with the hosts
    behind a load balancer (cookies name a host, not a port).
    """

    def __init__(self, base_url: str, cookies: http.cookiejar.CookieJar | None = None, timeout: float = 10):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar() if cookies is None else cookies
        self.timeout = timeout
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> tuple[int, str]:
        """GET a path; return the status and the body."""
        reply = self.open(path)
        return reply.status, reply.body

    def submit(self, path: str, changes: dict) -> tuple[int, str]:
        """Open the form at ``path``, change fields, submit it and follow the redirect."""
        reply = self.send_form(path, changes)
        return reply.status, reply.body

    def send_form(self, path: str, changes: dict) -> Reply:
        """``submit``, returning the whole reply."""
        action, fields = self.form(path)
        return self.open(action, {**fields, **changes})

    def form(self, path: str) -> tuple[str, dict[str, str]]:
        """Open the page at ``path``; return its POST form's action and the fields it would send untouched."""
        reply = self.open(path)
        assert reply.status == 200, reply.status
        form = reply.page().select_one('main form[method="post"]')
        return form["action"], form_fields(form)

    def log_in(self, name: str = EDITOR, password: str = EDITOR_PASSWORD) -> None:
        """Log in as an editor through the login form."""
        status, html = self.submit("/login", {"name": name, "password": password})
        assert status == 200 and "Logged in as" in html, status

    def open(self, path: str, fields: dict | None = None, headers: dict | None = None) -> Reply:
        """GET ``path``, or POST ``fields`` to it as a form would; return what came back."""
        body = None if fields is None else urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Reply(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, error.headers, error.read().decode())
