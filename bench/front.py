"""The production front measured: `make serve`'s nginx (config/nginx.conf) before gunicorn on a Unix
socket, serving the static files itself and passing pages on."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import PROJECT_ROOT, WORK_DIR, BenchError
from bench.report import Case
from bench.server import (
    GUNICORN_CONFIG,
    HOST,
    START_TIMEOUT,
    Server,
    free_port,
    serving,
    wait_for_ok,
    wait_until_serving,
)

FRONT_SERVER = "front-10k"
BAD_GATEWAY = 502
FOLDER = WORK_DIR / "front"
# nginx is the one proxy before the site, as `make serve` sets it.
PROXY_SETTINGS = {"MESSAGEBOARD_PROXY_FIX_X_FOR": "1", "MESSAGEBOARD_PROXY_FIX_X_PROTO": "1"}


def front_cases(stylesheet: str) -> tuple[Case, ...]:
    """The front's cases: the css bundle nginx serves from disk, and the list page it passes to gunicorn."""
    return (
        Case(
            "n",
            "css bundle via nginx (make serve)",
            FRONT_SERVER,
            stylesheet,
            "nginx serves build/public itself (sendfile, keep-alive); uncompressed, as i",
        ),
        Case(
            "o",
            "list, 10k, through nginx (make serve)",
            FRONT_SERVER,
            "/",
            "as c, passed on to gunicorn on a Unix socket",
        ),
    )


def require_nginx() -> str:
    """Return the path of nginx, or fail saying how to install it."""
    path = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if path is None:
        raise BenchError("nginx is not installed: run `make serve` or `make nginx`, which install it")
    return path


@contextmanager
def serving_front(environment: Mapping[str, str], workers: int) -> Iterator[Server]:
    """Run gunicorn on a Unix socket and nginx before it, as `make serve` does; yield nginx as the Server."""
    nginx = require_nginx()
    FOLDER.mkdir(parents=True, exist_ok=True)
    socket_path, port = FOLDER / "gunicorn.sock", free_port()
    env = {**environment, **PROXY_SETTINGS}
    render_config(env, port, socket_path)
    gunicorn_command = [str(Path(sys.executable).parent / "gunicorn"), "--config", str(GUNICORN_CONFIG)]
    gunicorn_env = {**env, "GUNICORN_BIND": f"unix:{socket_path}", "WEB_CONCURRENCY": str(workers)}
    nginx_command = [nginx, "-e", "stderr", "-p", str(FOLDER), "-c", str(FOLDER / "nginx.conf")]
    with ExitStack() as stack:
        stack.enter_context(serving("gunicorn-front", gunicorn_command, gunicorn_env, port))
        server = stack.enter_context(serving("nginx-front", nginx_command, env, port))
        # nginx answers 502 until gunicorn listens on its socket.
        deadline = time.monotonic() + START_TIMEOUT
        while wait_until_serving(server, "/") == BAD_GATEWAY and time.monotonic() < deadline:
            time.sleep(0.1)
        wait_for_ok(server, "/")
        yield server


def render_config(environment: Mapping[str, str], port: int, socket_path: Path) -> None:
    """Write nginx's configuration with `flask front nginx-config --standalone`, as `make serve` does."""
    command = [sys.executable, "-m", "flask", "--app", "messageboard", "front", "nginx-config", "--standalone"]
    command += [f"--out={FOLDER}", f"--listen={HOST}:{port}", f"--upstream=unix:{socket_path}"]
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=dict(environment), capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"flask front nginx-config failed ({result.returncode}):\n{result.stdout}{result.stderr}")
