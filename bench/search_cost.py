"""Costly requests: the searches people and attackers send, each timed on real gunicorn with the
production settings at 100,000 messages and at 20,000 of 10 KB each; and a cached page's latency
while 10 clients send distinct short searches, beside the raw WSGI app under the same flood, and
through the front (make serve's nginx, which limits each address's searches)."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from urllib.parse import urlencode

from bench import BenchError, load, seed
from bench.server import Server, get, gunicorn, wait_for_ok
from messageboard.core import SEARCH_MAX_LENGTH

# Short searches (no index), common and rare letters, common trigrams, phrases of common words that
# rarely follow each other (each candidate's positions checked), long ones (each candidate's text
# read), a key prefix, and no match at all.
SEARCHES = (
    "e",
    "th",
    "zq",
    "Q",
    "the",
    "ship",
    "zzz",
    "aaa",
    "e d",
    "ship design",
    "done done done",
    "ship ship ship",
    "msg-0001",
    "no such words in any message",
    " ".join(seed.WORDS)[:40].strip(),
    " ".join(seed.WORDS)[:SEARCH_MAX_LENGTH].strip(),
)
LONG_COUNT, LONG_LENGTH = 20_000, 10_000
RUNS = 7
FLOOD_CLIENTS = 10
FLOOD_SECONDS = 10
SEARCH_GOAL_MS = 20
CACHED_P99_GOAL_MS = 10
FLOOD_SCRIPT = Path(__file__).resolve().parent / "short_searches.lua"
LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
# What bench/short_searches.lua prints with its `statuses` argument.
STATUSES = re.compile(r"^Statuses: (\d+) (\d+) (\d+) in ([\d.]+)$", re.MULTILINE)
# How the bench starts the front on a site's environment with a number of workers (bench.front.serving_front).
Front = Callable[[Mapping[str, str], int], AbstractContextManager[Server]]


@dataclass(frozen=True)
class Latency:
    """Percentiles of one client's requests, in milliseconds, and the flood's own rate beside it:
    answered, and refused by the front."""

    p50: float
    p99: float
    flood_per_second: float = 0.0
    refused_per_second: float = 0.0


@dataclass(frozen=True)
class SiteSearches:
    """Each search's request times on one site, in milliseconds."""

    label: str
    runs: Mapping[str, list[float]]

    @property
    def worst(self) -> str:
        """The search whose median time is the longest."""
        return max(self.runs, key=lambda query: median(self.runs[query]))


@dataclass(frozen=True)
class SearchCost:
    """Every figure of this part of the bench."""

    workers: int
    sites: list[SiteSearches]
    hello_ms: list[float]
    cached_alone: Latency
    cached_flooded: Mapping[str, Latency]
    # The same flood of distinct list pages, which no cache holds either: what any page costs.
    cached_paged: Latency
    hello_flooded: Latency
    # The cached page and the searches through the front, one front at a time.
    front_flooded: Mapping[str, Latency]


def production_workers() -> int:
    """The workers config/gunicorn.conf.py starts where WEB_CONCURRENCY is unset."""
    return len(os.sched_getaffinity(0)) * 2 + 1


def measure_searches(
    large_url: str, environment: Callable[[str], Mapping[str, str]], secret_key: str, front: Front
) -> SearchCost:
    """Seed the 10 KB database if needed, then time searches and floods on both databases, on bare
    gunicorn, then through the ``front``."""
    long_url = seed.database_url(seed.ensure_long_database(LONG_COUNT, LONG_LENGTH, secret_key))
    urls = {"100,000 messages": large_url, f"{LONG_COUNT:,} of 10 KB": long_url}
    workers = production_workers()
    with ExitStack() as stack:
        hello = stack.enter_context(gunicorn("search-hello", "bench.apps:hello", environment(large_url), workers))
        sites = {
            label: stack.enter_context(
                gunicorn(f"search-{number}", "messageboard:create_app()", environment(url), workers)
            )
            for number, (label, url) in enumerate(urls.items())
        }
        for server in (hello, *sites.values()):
            wait_for_ok(server, "/")
        searches = [SiteSearches(label, time_searches(server)) for label, server in sites.items()]
        first = next(iter(sites.values()))
        cost = SearchCost(
            workers=workers,
            sites=searches,
            hello_ms=[timed(hello, f"/?n={run}") for run in range(RUNS)],
            cached_alone=probe(first),
            cached_flooded={label: flooded(server) for label, server in sites.items()},
            cached_paged=flooded(first, "pages"),
            hello_flooded=flooded(hello),
            front_flooded={},
        )
    return replace(cost, front_flooded=front_floods(front, {label: environment(url) for label, url in urls.items()}))


def front_floods(front: Front, environments: Mapping[str, Mapping[str, str]]) -> dict[str, Latency]:
    """The cached page's latency through the ``front`` while the flood of searches goes through it too."""
    floods = {}
    for label, site_environment in environments.items():
        with front(site_environment, production_workers()) as server:
            probe(server, 1)  # every worker holds the cached page
            floods[label] = flooded(server, refusals_allowed=True)
    return floods


def time_searches(server: Server) -> dict[str, list[float]]:
    """Each search's request time, ``RUNS`` times, every URL a new one (no page cache answers it)."""
    for query in SEARCHES:  # each worker reads the pages it will need once
        timed(server, "/?" + urlencode({"q": query, "n": "warm"}))
    return {
        query: [timed(server, "/?" + urlencode({"q": query, "n": run})) for run in range(RUNS)] for query in SEARCHES
    }


def timed(server: Server, path: str) -> float:
    """Milliseconds from sending a GET of ``path`` on a new connection to its whole answer, a 200."""
    start = time.perf_counter()
    response = get(server, path)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise server.failure(f"GET {path} answered {response.status}, not 200")
    return elapsed


def probe(server: Server, seconds: int = FLOOD_SECONDS) -> Latency:
    """One client asking for the cached list page for ``seconds``: its median and 99th percentile."""
    command = [load.require_wrk(), "-t1", "-c1", f"-d{seconds}s", "--latency", server.url("/")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    load.requests_per_second(result.stdout, server.url("/"))  # fails on any error or non-2xx answer
    found = {percent: float(value) * TO_MS[unit] for percent, value, unit in LATENCY.findall(result.stdout)}
    if set(found) != {"50", "99"}:
        raise BenchError(f"no latency distribution in wrk's report:\n{result.stdout}")
    return Latency(found["50"], found["99"])


def flooded(server: Server, what: str = "searches", *, refusals_allowed: bool = False) -> Latency:
    """The cached page's latency while ``FLOOD_CLIENTS`` clients send distinct short searches (or pages),
    every one answered 200, or with ``refusals_allowed`` either 200 or the front's 429."""
    command = [load.require_wrk(), "-t2", f"-c{FLOOD_CLIENTS}", f"-d{FLOOD_SECONDS + 2}s", "-s", str(FLOOD_SCRIPT)]
    arguments = [what, "statuses"] if refusals_allowed else [what]
    with subprocess.Popen([*command, server.url("/"), "--", *arguments], stdout=subprocess.PIPE, text=True) as flood:
        time.sleep(1)  # the flood under way before the first probe
        latency = probe(server)
        report, _ = flood.communicate(timeout=FLOOD_SECONDS + 30)
    if not refusals_allowed:
        return Latency(latency.p50, latency.p99, load.requests_per_second(report, server.url("/")))
    return Latency(latency.p50, latency.p99, *answered_and_refused(report, server))


def answered_and_refused(report: str, server: Server) -> tuple[float, float]:
    """Requests per second the flood had answered 200 and refused 429, failing on any other answer or error."""
    counted = STATUSES.search(report)
    errors = load.SOCKET_ERRORS.search(report)
    if counted is None or errors or int(counted.group(3)):
        raise server.failure(f"the flood through the front got answers other than 200 and 429:\n{report}")
    seconds = float(counted.group(4))
    return int(counted.group(1)) / seconds, int(counted.group(2)) / seconds
