"""Start a real WSGI server on a free port for a test: gunicorn with the project's own config file,
and uWSGI, Waitress and mod_wsgi-express on messageboard/wsgi.py as the README starts them."""

from __future__ import annotations

import http.cookiejar
import os
import shutil
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
from tests.helpers import form_fields, public_site_environment

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
UWSGI = str(Path(sys.executable).with_name("uwsgi"))
WAITRESS = str(Path(sys.executable).with_name("waitress-serve"))
MOD_WSGI_EXPRESS = str(Path(sys.executable).with_name("mod_wsgi-express"))
# Apache will not serve as root, and mod_wsgi-express asks root for another user to run as, which
# could not read this Python (/root is private). Run by root, the test runs it in a user namespace
# of its own, as this user: the same files, seen as its owner's, with no root to refuse.
AS_NOBODY = ["unshare", "--user", "--map-user=65534", "--map-group=65534"] if os.geteuid() == 0 else []
# The editor the server tests log in as.
EDITOR, EDITOR_PASSWORD = "tester", "a long enough password"


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """gunicorn serving messageboard with ``environment`` added to a clean environment that trusts 127.0.0.1
    and localhost."""

    # Whether refused_start asks the server for a page while it refuses.
    probed_while_refusing = True

    def __init__(self, log_path: Path, workers: int = 2, **environment: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.environment = public_site_environment(
            GUNICORN_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY=str(workers), **environment
        )
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> Self:
        """Create the schema as `make run` does, start the server and wait until it answers, raising with
        its log if it does not."""
        self.init_database()
        self.launch()
        self.wait_until_answering("/hello", timeout)
        return self

    def init_database(self) -> None:
        """Run `flask db init` with this server's settings, starting its log afresh."""
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

    def launch(self) -> None:
        """Start the server's process, in a process group of its own, writing into the log."""
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=PROJECT_ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_answering(self, path: str, timeout: float, *, any_status: bool = False) -> int:
        """Wait until ``path`` answers 2xx (or, with ``any_status``, anything at all); return the status.
        Raise with the log if the server exits or does not answer in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command()[0]} exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                error.close()
                if any_status:
                    return error.code
                time.sleep(0.1)
            except OSError:  # refused while starting, or timed out on a first request that builds
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{self.command()[0]} did not answer within {timeout} s:\n{self.log()}")

    def refused_start(self, timeout: float = 30) -> Refusal:
        """Start the server expecting it to refuse: wait for it to exit, asking for ``/hello`` meanwhile."""
        self.launch()
        answers = []
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"{self.command()[0]} kept running for {timeout} s:\n{self.log()}")
            if not self.probed_while_refusing:
                time.sleep(0.05)
                continue
            try:
                with urllib.request.urlopen(self.url + "/hello", timeout=1) as response:
                    answers.append(response.status)
            except urllib.error.HTTPError as error:
                error.close()
                answers.append(error.code)
            except OSError:
                time.sleep(0.05)
        self.stop()  # what the server left behind in its process group, if anything
        return Refusal(self.process.returncode, self.log(), answers)

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


@dataclass
class Refusal:
    """How a server refused to start: its exit status, all it printed, and what it answered meanwhile."""

    returncode: int
    output: str
    answers: list[int]

    def problems(self) -> list[str]:
        """The ``messageboard:`` lines, from where each starts (Apache's error log puts its own prefix first)."""
        return [line[line.index("messageboard: ") :] for line in self.output.splitlines() if "messageboard: " in line]


class GroupServer(LiveServer):
    """A server stopped through its main process, then made sure of through its process group."""

    stop_signal = signal.SIGTERM

    def stop(self) -> int | None:
        """Send the main process ``stop_signal`` and wait; then kill anything left in its group."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return self.process.returncode if self.process else None


class UwsgiServer(GroupServer):
    """uWSGI on messageboard/wsgi.py, speaking HTTP itself: a master and ``workers`` processes."""

    # SIGTERM makes uWSGI 2.0's master reload everything; SIGINT stops it.
    stop_signal = signal.SIGINT

    def __init__(self, log_path: Path, workers: int = 2, *, options: tuple[str, ...] = (), **environment: str):
        super().__init__(log_path, workers, **environment)
        self.workers, self.options = workers, options

    def command(self) -> list[str]:
        """uwsgi with the file, its bind and its processes, nothing else."""
        return [
            UWSGI,
            f"--http-socket=127.0.0.1:{self.port}",
            "--master",
            f"--processes={self.workers}",
            *self.options,
            "--wsgi-file=messageboard/wsgi.py",
        ]


class WaitressServer(GroupServer):
    """waitress-serve on messageboard.wsgi:application: one process, ``threads`` threads."""

    def __init__(self, log_path: Path, threads: int = 4, **environment: str):
        super().__init__(log_path, **environment)
        self.threads = threads

    def command(self) -> list[str]:
        """waitress-serve with its bind and threads."""
        return [
            WAITRESS,
            f"--listen=127.0.0.1:{self.port}",
            f"--threads={self.threads}",
            "messageboard.wsgi:application",
        ]


class ModWsgiServer(GroupServer):
    """Apache with mod_wsgi, started by mod_wsgi-express on messageboard/wsgi.py: ``workers`` daemon
    processes of two threads, behind Apache's own. Its server root (httpd.conf, error_log) is
    ``server_root``; ``log_to_terminal`` sends Apache's error log to the test's log instead."""

    # A request sent while the daemon processes fail waits in their queue until mod_wsgi-express's
    # queue timeout, and Apache's shutdown waits for it.
    probed_while_refusing = False

    def __init__(
        self, log_path: Path, workers: int = 2, *, server_root: Path, log_to_terminal: bool = False, **environment: str
    ):
        super().__init__(log_path, workers, **environment)
        self.workers, self.server_root, self.log_to_terminal = workers, server_root, log_to_terminal

    def command(self) -> list[str]:
        """mod_wsgi-express start-server with the file, its bind, its server root and its processes."""
        return [
            *AS_NOBODY,
            MOD_WSGI_EXPRESS,
            "start-server",
            "messageboard/wsgi.py",
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--server-root={self.server_root}",
            f"--processes={self.workers}",
            "--threads=2",
            *(["--log-to-terminal"] if self.log_to_terminal else []),
        ]

    def log(self) -> str:
        """What mod_wsgi-express printed, then Apache's error log."""
        error_log = self.server_root / "error_log"
        return super().log() + (error_log.read_text(errors="replace") if error_log.exists() else "")


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


# Debian's nginx, in /usr/sbin, which PATH may not name.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class FrontServer(LiveServer):
    """`make serve`: nginx on a free port of 127.0.0.1, before gunicorn on a Unix socket in ``front_dir``."""

    def __init__(self, log_path: Path, front_dir: Path, workers: int = 2, **environment: str):
        super().__init__(log_path, workers, **environment)
        self.front_dir = front_dir

    def start(self, timeout: float = 60) -> Self:
        """Start as LiveServer does, allowing for make serve's own steps (build check, db init, nginx's configuration)."""
        return super().start(timeout)

    def command(self) -> list[str]:
        """make serve, with this server's port and work folder."""
        return [
            "make",
            "--no-print-directory",
            "serve",
            f"FRONT_BIND=127.0.0.1:{self.port}",
            f"FRONT_DIR={self.front_dir}",
        ]

    def gunicorn_pid(self) -> int:
        """The pid of the gunicorn master behind nginx."""
        return int((self.front_dir / "gunicorn.pid").read_text())

    def stop(self) -> int | None:
        """Stop make, nginx and gunicorn as Ctrl-C does (SIGINT to them all), then kill anything left."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        if self.process:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        return self.process.returncode if self.process else None
