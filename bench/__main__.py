"""Prepare the data (SQLite files, and a PostgreSQL database of the bench's own, dropped at the end),
time the asset builds, the static export and live reload in chromium, serve every case with real
gunicorn, weigh the home page, load each case with wrk, print the report."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

from bench import (
    PROJECT_ROOT,
    WORK_DIR,
    BenchError,
    build_times,
    editor,
    export_speed,
    history_cost,
    live_reload,
    load,
    page_weight,
    seed,
)
from bench.front import FRONT_SERVER, front_cases, serving_front
from bench.page_weight import PageWeight
from bench.report import (
    Case,
    build_lines,
    export_lines,
    history_lines,
    live_reload_lines,
    render,
    search_cost_lines,
    weight_lines,
)
from bench.search_cost import FLOOD_CLIENTS, measure_searches
from bench.server import GUNICORN_CONFIG, TRUSTED_HOSTS, Server, gunicorn, wait_for_ok

SMALL, LARGE = 10_000, 100_000
WARMUP_SECONDS = 1
# The databases run() prepares, by name: SQLite files of 10k and 100k messages, the bench's
# PostgreSQL database with the same 10k, and a copy of each 10k database for the adds to grow.
SQLITE_10K, SQLITE_100K, SQLITE_ADDS = "sqlite-10k", "sqlite-100k", "sqlite-10k-adds"
POSTGRES_10K, POSTGRES_ADDS = "postgres-10k", "postgres-10k-adds"
PAGE_CACHE_OFF = (("MESSAGEBOARD_PAGE_CACHE_SIZE", "0"),)
# The legacy GET /add/<key>/<text> switched on, without a login: wrk alone can add messages.
GET_ADDS_ON = (("MESSAGEBOARD_LEGACY_GET_WRITES", "true"), ("MESSAGEBOARD_ANONYMOUS_EDITING", "true"))


@dataclass(frozen=True)
class Site:
    """A gunicorn server to start: its name, the app it serves and the database it is given."""

    name: str
    app_uri: str
    database: str
    settings: tuple[tuple[str, str], ...] = ()


# Every server gets the site's environment: the gunicorn settings check it on start, whatever app.
SITES = (
    Site("hello", "bench.apps:hello", SQLITE_10K),
    Site("original", "bench.original_app:app", SQLITE_10K),
    Site("site-10k", "messageboard:create_app()", SQLITE_10K),
    Site("site-100k", "messageboard:create_app()", SQLITE_100K),
    # The same site rendering every page, as on a cache miss: what the page cache saves.
    Site("site-10k-rendered", "messageboard:create_app()", SQLITE_10K, PAGE_CACHE_OFF),
    Site("site-100k-rendered", "messageboard:create_app()", SQLITE_100K, PAGE_CACHE_OFF),
    # The same site and settings on PostgreSQL, holding the same 10k messages.
    Site("postgres-10k", "messageboard:create_app()", POSTGRES_10K),
    Site("postgres-10k-rendered", "messageboard:create_app()", POSTGRES_10K, PAGE_CACHE_OFF),
    # Adding messages, each database a copy of its 10k one, so the reading cases' data never changes.
    Site("adds-sqlite", "messageboard:create_app()", SQLITE_ADDS, GET_ADDS_ON),
    Site("adds-postgres", "messageboard:create_app()", POSTGRES_ADDS, GET_ADDS_ON),
)
CASES = (
    Case("a", "raw WSGI hello (ceiling)", "hello", "/"),
    Case("b", "original one-file Flask app", "original", "/show/default"),
    Case("c", "messageboard list, 10k messages", "site-10k", "/"),
    Case("d", "messageboard one message, 10k", "site-10k", f"/messages/{seed.message_key(5000)}"),
    Case("e", "messageboard list, 100k messages", "site-100k", "/"),
    Case("f", "list, 10k, page cache off", "site-10k-rendered", "/"),
    Case("g", "one message, 10k, page cache off", "site-10k-rendered", f"/messages/{seed.message_key(5000)}"),
    Case("h", "list, 100k, page cache off", "site-100k-rendered", "/"),
)
# The page weighed, and the css case on the same server: that page gives the css's hashed path.
HOME_SERVER, HOME_PATH = "site-10k", "/"
CSS_CASE = Case(
    "i",
    "css bundle via WhiteNoise",
    HOME_SERVER,
    "",
    "wrk sends no Accept-Encoding, so this measures the uncompressed css",
)
# Each add request has a key of its own, which bench/add.lua makes; the path only describes them.
ADD_SCRIPT = Path(__file__).resolve().parent / "add.lua"
ADD_PATH = "/add/<new key>/<text>"
# What the add servers are checked with before the load: a real add, answering 200.
ADD_CHECK_PATH = "/add/bench-check/Checked%20before%20the%20load."
# PostgreSQL beside SQLite, served alike: c and f read from SQLite, j and k the same from PostgreSQL.
DATABASE_CASES = (
    Case("j", "list, 10k, PostgreSQL", "postgres-10k", "/"),
    Case("k", "list, 10k, page cache off, PostgreSQL", "postgres-10k-rendered", "/"),
    Case(
        "l",
        "add a message, SQLite, 10k",
        "adds-sqlite",
        ADD_PATH,
        "the legacy GET route, on without a login (production settings otherwise); each request "
        "adds a new key (bench/add.lua)",
        script=ADD_SCRIPT,
    ),
    Case(
        "m",
        "add a message, PostgreSQL, 10k",
        "adds-postgres",
        ADD_PATH,
        "as l; a PostgreSQL commit waits for its WAL to reach the disk where synchronous_commit is "
        "on (shown above), an SQLite one (WAL, synchronous=NORMAL) does not",
        script=ADD_SCRIPT,
    ),
)


@dataclass(frozen=True)
class Options:
    """Knobs read from the environment."""

    workers: int
    runs: int
    seconds: int

    @classmethod
    def from_environment(cls) -> Options:
        """Read BENCH_WORKERS, BENCH_RUNS and BENCH_SECONDS, with their defaults."""
        return cls(
            workers=positive_int("BENCH_WORKERS", 2),
            runs=positive_int("BENCH_RUNS", 5),
            seconds=positive_int("BENCH_SECONDS", 4),
        )


def positive_int(name: str, default: int) -> int:
    """Return the environment variable as a whole number from 1 up, or ``default`` if unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise BenchError(f"{name} must be a whole number from 1 up, not {raw!r}")
    return int(raw)


def site_environment(secret_key: str, database_url: str) -> dict[str, str]:
    """Return the environment for the site's production settings on the database at this URL."""
    # The caller's own MESSAGEBOARD_ settings would make the cases differ from production.
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("MESSAGEBOARD_")}
    return {
        **inherited,
        "MESSAGEBOARD_CONFIG": "production",
        "MESSAGEBOARD_SECRET_KEY": secret_key,
        "MESSAGEBOARD_DATABASE_URL": database_url,
        "MESSAGEBOARD_TRUSTED_HOSTS": ",".join(TRUSTED_HOSTS),
    }


def main() -> int:
    """Run the benchmark; return 1 on an error, 0 otherwise, goals met or not."""
    try:
        run(Options.from_environment())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


def run(options: Options) -> None:
    """Prepare, measure every case and print the report."""
    load.require_wrk()
    live_reload.require_chromium()
    WORK_DIR.mkdir(exist_ok=True)
    secret_key = "bench-" + secrets.token_hex(16)
    print(f"Preparing databases in {WORK_DIR} and on PostgreSQL ({seed.shown_url(seed.POSTGRES_ADMIN_URL)})")
    files = {count: seed.ensure_database(count, secret_key) for count in (SMALL, LARGE)}
    with seed.postgres_databases(SMALL, secret_key) as postgres:
        databases = {
            SQLITE_10K: seed.database_url(files[SMALL]),
            SQLITE_100K: seed.database_url(files[LARGE]),
            SQLITE_ADDS: seed.database_url(seed.writable_copy(files[SMALL])),
            POSTGRES_10K: postgres.seeded,
            POSTGRES_ADDS: postgres.adds,
        }
        measure_and_report(options, secret_key, files[SMALL], databases)


def measure_and_report(options: Options, secret_key: str, small_file: Path, databases: Mapping[str, str]) -> None:
    """Time the builds, the export (of ``small_file``) and live reload, measure every case on
    ``databases`` (URLs by name) and print the report."""
    print("Building the css and js bundles")
    seed.build_assets(site_environment(secret_key, databases[SQLITE_10K]))
    print(
        f"Timing asset builds in-process ({build_times.COLD_RUNS} cold, "
        f"{build_times.REBUILD_RUNS} after an SCSS change)",
        flush=True,
    )
    times = build_times.measure(secret_key)
    print(
        f"Timing static exports in-process ({export_speed.RUNS} full, each beside a Frozen-Flask freeze; "
        f"{export_speed.REEXPORT_RUNS} after one edit)",
        flush=True,
    )
    exports = export_speed.measure(small_file, secret_key)
    print(
        f"Timing live reload with flask run --debug and chromium ({live_reload.RUNS} runs each: "
        "an SCSS save, a template save, a manual reload)",
        flush=True,
    )
    reloads = live_reload.measure()
    print(
        f"Timing a history page of {history_cost.REVISIONS:,} revisions and a diff of two "
        f"{history_cost.TEXT_LENGTH:,}-character revisions, in process (bench/history_cost.py)",
        flush=True,
    )
    histories = history_cost.measure(secret_key)
    print(f"Timing searches, and a cached page while {FLOOD_CLIENTS} clients search (bench/search_cost.py)", flush=True)
    searches = measure_searches(
        databases[SQLITE_100K], lambda url: site_environment(secret_key, url), secret_key, serving_front
    )
    environments = {
        site.name: {**site_environment(secret_key, databases[site.database]), **dict(site.settings)} for site in SITES
    }
    editor.ensure_editor(environments[editor.EDITOR_CASE.server])
    print(
        f"Serving each case with gunicorn --config {GUNICORN_CONFIG.relative_to(PROJECT_ROOT)}, "
        f"{options.workers} workers (BENCH_WORKERS); load: {load.describe()}, "
        f"{options.runs} runs (BENCH_RUNS) of {options.seconds} s (BENCH_SECONDS), median"
    )
    cases, samples, weight = serve_and_measure(environments, options)
    print()
    print(render(cases, samples))
    print()
    print("\n".join(build_lines(times)))
    print()
    print("\n".join(weight_lines(weight)))
    print()
    print("\n".join(export_lines(exports)))
    print()
    print("\n".join(live_reload_lines(reloads)))
    print()
    print("\n".join(search_cost_lines(searches)))
    print()
    print("\n".join(history_lines(histories)))


def serve_and_measure(
    environments: Mapping[str, Mapping[str, str]], options: Options
) -> tuple[list[Case], dict[str, list[float]], PageWeight]:
    """Start every server, weigh the home page, check each case answers 200, measure them all."""
    with ExitStack() as stack:
        servers = {
            site.name: stack.enter_context(gunicorn(site.name, site.app_uri, environments[site.name], options.workers))
            for site in SITES
        }
        servers[FRONT_SERVER] = stack.enter_context(serving_front(environments[HOME_SERVER], options.workers))
        for case in (*CASES, *DATABASE_CASES):
            wait_for_ok(servers[case.server], ADD_CHECK_PATH if case.script else case.path)
        weight = page_weight.measure(servers[HOME_SERVER], HOME_PATH)
        cases = [
            *CASES,
            replace(CSS_CASE, path=weight.stylesheet),
            *DATABASE_CASES,
            *front_cases(weight.stylesheet),
            editor.editor_case(servers[editor.EDITOR_CASE.server]),
        ]
        wait_for_ok(servers[CSS_CASE.server], weight.stylesheet)
        return cases, measure_all(servers, cases, options), weight


def measure_all(servers: Mapping[str, Server], cases: Sequence[Case], options: Options) -> dict[str, list[float]]:
    """Warm each case up, then measure them in rounds, each round in a rotated order."""
    # A script makes each request's path itself, on the server's root URL.
    urls = {case.letter: servers[case.server].url("/" if case.script else case.path) for case in cases}
    for case in cases:
        load.measure(urls[case.letter], WARMUP_SECONDS, case.script, ["warmup"], case.headers)
    samples: dict[str, list[float]] = {case.letter: [] for case in cases}
    for number in range(options.runs):
        # Rounds spread the machine's slow spells over every case; rotating spreads the order's.
        for case in rotated(cases, number):
            # The run's name prefixes the keys a script adds, so no two runs add the same one.
            samples[case.letter].append(
                load.measure(urls[case.letter], options.seconds, case.script, [f"run{number + 1}"], case.headers)
            )
        measured = "  ".join(f"{letter} {runs[-1]:,.0f}" for letter, runs in samples.items())
        print(f"  run {number + 1}/{options.runs}: {measured}", flush=True)
    return samples


def rotated(items: Sequence, by: int) -> list:
    """Return ``items`` rotated left by ``by`` places."""
    shift = by % len(items)
    return [*items[shift:], *items[:shift]]


if __name__ == "__main__":
    sys.exit(main())
