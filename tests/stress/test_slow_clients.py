"""Slow and idle clients against `make serve` (nginx before gunicorn), and against bare gunicorn beside it.

200 slowloris connections, 200 idle ones and 50 slow POST bodies (tests/stress/slow_clients.py, from
127.0.1.x addresses) are held for 30 s against 5 sync workers with the production settings, while one
visitor on 127.0.0.1 asks for pages and static files. Through the front, nearly every request is
answered, quickly, and no worker is lost; bare gunicorn is measured the same way, for the figure
beside it (its workers wait on the attackers: it is expected to fail, and nothing asserts it passes).
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from bs4 import BeautifulSoup

from messageboard.core import PROJECT_ROOT
from tests.helpers import production_site
from tests.live_server import FrontServer, LiveServer, worker_pids
from tests.stress.stress_helpers import Figures

pytestmark = pytest.mark.stress

WORKERS = 5
ATTACK_SECONDS = 30
# The attackers connect before the visitor starts, and the visitor stops before they do.
SETTLE_SECONDS = 2
VISIT_TIMEOUT = 5
VISIT_EVERY = 0.05
ANSWERED_GOAL, P99_GOAL = 0.999, 0.100


def site_environment(tmp_path) -> dict[str, str]:
    """Production settings on an SQLite file of the test's own (LiveServer trusts 127.0.0.1 and localhost)."""
    return production_site(tmp_path, MESSAGEBOARD_DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}")


@pytest.fixture
def front(tmp_path) -> Iterator[FrontServer]:
    """`make serve` with 5 workers."""
    with FrontServer(tmp_path / "serve.log", tmp_path / "front", workers=WORKERS, **site_environment(tmp_path)) as live:
        yield live


@pytest.fixture
def bare(tmp_path) -> Iterator[LiveServer]:
    """gunicorn alone on 127.0.0.1, with 5 workers, as `make run` serves."""
    with LiveServer(tmp_path / "gunicorn.log", workers=WORKERS, **site_environment(tmp_path)) as live:
        yield live


@dataclass
class Visits:
    """What the visitor got while the attack went on."""

    answered: int = 0
    failures: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @property
    def made(self) -> int:
        """Requests made."""
        return self.answered + len(self.failures)

    def p(self, percent: int) -> float:
        """The answered requests' latency at this percentile, in seconds."""
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1]


def visit(port: int, path: str) -> tuple[int, float]:
    """GET ``path`` on a new connection, as a visitor's browser would; return the status and seconds taken."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=VISIT_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def site_paths(port: int) -> list[str]:
    """A page, a message, and the static files the page links (hashed) and one by its own name."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=VISIT_TIMEOUT)
    connection.request("GET", "/")
    page = BeautifulSoup(connection.getresponse().read(), "html.parser")
    connection.close()
    linked = [page.select_one('link[rel="stylesheet"]')["href"], page.select_one("script[src]")["src"]]
    return ["/", *linked, "/messages/default", "/static/gen/site.css"]


def visits_under_attack(port: int) -> tuple[Visits, dict]:
    """Attack the port for ATTACK_SECONDS while visiting it; return the visits and the attackers' counts."""
    paths = site_paths(port)
    attackers = subprocess.Popen(
        [sys.executable, "-m", "tests.stress.slow_clients", str(port), str(ATTACK_SECONDS)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    visits = Visits()
    try:
        time.sleep(SETTLE_SECONDS)
        end = time.monotonic() + ATTACK_SECONDS - 2 * SETTLE_SECONDS
        while time.monotonic() < end:
            path = paths[visits.made % len(paths)]
            try:
                status, seconds = visit(port, path)
            except (OSError, http.client.HTTPException) as error:
                visits.failures.append(f"{path}: {error!r}")
            else:
                if status == 200:
                    visits.answered += 1
                    visits.latencies.append(seconds)
                else:
                    visits.failures.append(f"{path}: {status}")
            time.sleep(VISIT_EVERY)
        output, _ = attackers.communicate(timeout=ATTACK_SECONDS + 30)
    finally:
        attackers.kill()
    return visits, json.loads(output)


def record(figures: list[Figures], name: str, visits: Visits, attackers: dict, workers: tuple[int, int]) -> None:
    """Add the run's figures to the stress summary."""
    item = Figures(name, requests=visits.made, latencies=visits.latencies)
    item.extra.update(
        seconds=ATTACK_SECONDS - 2 * SETTLE_SECONDS,
        answered=f"{visits.answered}/{visits.made} ({visits.answered / max(visits.made, 1):.1%})",
        errors=len(visits.failures),
        workers=f"{workers[0]} before, {workers[1]} after",
        attackers=attackers,
    )
    figures.append(item)


def ready_workers(master: int, server: LiveServer) -> list[int]:
    """The master's workers, once all WORKERS have said they serve (the server answers with the first)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        workers = sorted(worker_pids(master))
        if len(workers) == WORKERS and server.log().count("Worker ready") >= WORKERS:
            return workers
        time.sleep(0.1)
    raise AssertionError(f"{WORKERS} workers did not start within 20 s:\n{server.log()}")


def test_the_front_answers_through_slow_and_idle_clients(front, figures):
    master = front.gunicorn_pid()
    before = ready_workers(master, front)
    visits, attackers = visits_under_attack(front.port)
    after = sorted(worker_pids(master))
    record(figures, "make serve (nginx + gunicorn)", visits, attackers, (len(before), len(after)))
    assert visits.failures == []
    assert visits.answered / visits.made >= ANSWERED_GOAL
    assert visits.p(99) < P99_GOAL, f"p99 {visits.p(99) * 1000:.0f} ms"
    # The same workers: none was held until GUNICORN_TIMEOUT killed it.
    assert after == before
    assert "WORKER TIMEOUT" not in front.log()
    # The attack ran: nginx dropped the slow headers and idle connections, and held the slow bodies.
    assert attackers["slowloris"]["dropped"] > 0 and attackers["idle"]["dropped"] > 0
    assert attackers["slow_post"]["held"] > 0


def test_bare_gunicorn_under_the_same_attack_is_measured(bare, figures):
    before = len(ready_workers(bare.process.pid, bare))
    visits, attackers = visits_under_attack(bare.port)
    after = len(worker_pids(bare.process.pid))
    record(figures, "bare gunicorn (make run)", visits, attackers, (before, after))
    # Expected to fail the front's goals; only that it was measured is asserted.
    assert visits.made > 0
