"""Start the real gunicorn, with the project's own config file, on a free port for a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from messageboard.settings import PROJECT_ROOT

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
        """Start gunicorn and wait until it answers, raising with its log if it does not."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=PROJECT_ROOT, env=self.environment,
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        result = subprocess.run([sys.executable, "-m", "flask", "--app", "messageboard", "editors", "add", name],
                                input=f"{password}\n{password}\n", capture_output=True, text=True,
                                cwd=PROJECT_ROOT, env=self.environment, check=False)
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
