"""Load from wrk, the C load generator, and the numbers read from its report."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from bench import BenchError

THREADS = 1
CONNECTIONS = 8
REQUESTS_PER_SECOND = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
SOCKET_ERRORS = re.compile(r"^\s*Socket errors: (.+)$", re.MULTILINE)
NON_2XX = re.compile(r"^\s*Non-2xx or 3xx responses: (\d+)", re.MULTILINE)


def require_wrk() -> str:
    """Return the path of wrk, or fail saying how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise BenchError("wrk is not installed: run `make bench`, which installs it, or `apt-get install wrk`")
    return path


def describe() -> str:
    """Describe the load in words for the report."""
    return f"wrk -t{THREADS} -c{CONNECTIONS}"


def measure(
    url: str,
    seconds: int,
    script: Path | None = None,
    script_args: Sequence[str] = (),
    headers: Sequence[tuple[str, str]] = (),
) -> float:
    """Load ``url`` for ``seconds`` and return the requests per second wrk reports; a wrk Lua
    ``script``, given ``script_args``, may make each request (its path, on ``url``'s server);
    ``headers`` go with every request."""
    command = [require_wrk(), f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency"]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(script), url, "--", *script_args] if script else [url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return requests_per_second(result.stdout, url)


def requests_per_second(report: str, url: str) -> float:
    """Read requests per second from a wrk report, failing if it counts errors."""
    problems = [f"{match.group(1)} non-2xx responses" for match in NON_2XX.finditer(report)]
    problems += [f"socket errors ({match.group(1)})" for match in SOCKET_ERRORS.finditer(report)]
    if problems:
        raise BenchError(f"wrk on {url} reported {'; '.join(problems)}:\n{report}")
    match = REQUESTS_PER_SECOND.search(report)
    if match is None:
        raise BenchError(f"no Requests/sec in wrk's report on {url}:\n{report}")
    return float(match.group(1))
