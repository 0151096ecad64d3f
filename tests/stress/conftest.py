"""Stress fixtures: the real gunicorn with four workers on a database of the test's own.

Each test runs twice: on a fresh SQLite file and on a fresh PostgreSQL schema (tests/databases.py).
``STRESS_DATABASE_URL`` instead names one database for every test (any URL the site can serve).
Tests never assume the database starts empty: they add keys under a prefix of their own and
compare counts with the count before, so a shared server database works too.

Run alone (`make stress`, or `make test`, which runs it after the parallel suite): four workers and
fifty clients need both cores to themselves for the figures to mean anything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

import pytest

from tests.conftest import DATABASES
from tests.live_server import LiveServer
from tests.stress.stress_helpers import WORKERS, DatabaseCheck, Figures

# Past this, a test's server is killed whatever the test is doing: the backstop behind each test's
# own deadline (90 to 120 s) and each request's timeout.
HARD_LIMIT = 180

_FIGURES: list[str] = []


def pytest_terminal_summary(terminalreporter):
    """Print each stress test's figures after the run (requests/s, latencies, kills...)."""
    if _FIGURES:
        terminalreporter.section("stress figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def figures(request) -> Iterator[list[Figures]]:
    """Collect a test's figures; they are printed in the run's summary, passed or failed."""
    collected: list[Figures] = []
    yield collected
    for item in collected:
        line = f"{request.node.name}: {item.summary()}"
        _FIGURES.append(line)
        print(line)


@pytest.fixture(params=[None] if os.environ.get("STRESS_DATABASE_URL") else DATABASES)
def database_url(request, tmp_path) -> Iterator[str]:
    """The database the server under test uses: ``STRESS_DATABASE_URL``, else a fresh SQLite file
    or PostgreSQL schema."""
    if request.param is None:
        yield os.environ["STRESS_DATABASE_URL"]
    elif request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'stress.sqlite3'}"
    else:
        with request.getfixturevalue("postgres").schema() as url:
            yield url


@pytest.fixture
def stress_server(tmp_path, database_url) -> Iterator[LiveServer]:
    """gunicorn with four sync workers and production settings, as deployed.

    Its editor is made with the real `flask editors add`, and every client logs in as it; the
    session cookie is not Secure because the clients speak plain http to 127.0.0.1.
    """
    with LiveServer(
        tmp_path / "gunicorn.log",
        workers=WORKERS,
        HOME=str(tmp_path / "home"),
        MESSAGEBOARD_CONFIG="production",
        MESSAGEBOARD_SECRET_KEY="stress-test-secret-" + os.urandom(8).hex(),
        MESSAGEBOARD_INSTANCE_PATH=str(tmp_path / "instance"),
        MESSAGEBOARD_DATABASE_URL=database_url,
        MESSAGEBOARD_SESSION_COOKIE_SECURE="false",
    ) as live:
        live.add_editor()
        fired = threading.Event()

        def kill_server() -> None:  # every request then fails at once, so the test ends
            fired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(live.process.pid, signal.SIGKILL)  # gunicorn runs in a session of its own

        watchdog = threading.Timer(HARD_LIMIT, kill_server)
        watchdog.daemon = True
        watchdog.start()
        try:
            yield live
        finally:
            watchdog.cancel()
        if fired.is_set():
            pytest.fail(f"watchdog: the test ran past {HARD_LIMIT} s, so its gunicorn was killed", pytrace=False)


@pytest.fixture
def database(database_url) -> Iterator[DatabaseCheck]:
    """The server's database, read directly."""
    check = DatabaseCheck(database_url)
    yield check
    check.dispose()
