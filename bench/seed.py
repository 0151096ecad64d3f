"""Benchmark data: SQLite databases and a PostgreSQL database of the bench's own, filled through
the site's own store, copies of them for the adds, and the built bundles."""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from bench import PROJECT_ROOT, WORK_DIR, BenchError
from bench.server import TRUSTED_HOSTS
from messageboard import create_app, store
from messageboard.database.errors import first_line
from messageboard.extensions import db

WORDS = (
    "the a an of to and in on for with at by from about after before over under again more most "
    "message board note reminder meeting lunch coffee project release deploy server database page "
    "team today tomorrow yesterday week morning evening please thanks check update fixed broken "
    "new old quick slow small large first last next time people question answer idea plan ready "
    "done waiting review draft final version change test build ship design copy link list search"
).split()
TEXT_LENGTHS = (40, 300)
SEED = 20240601
# The PostgreSQL server the bench creates its databases on, through its maintenance database.
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def message_key(number: int) -> str:
    """Return the key of the numbered benchmark message, like msg-000042."""
    return f"msg-{number:06d}"


def message_text(rng: random.Random, length: int) -> str:
    """Return a sentence of random words at least ``length`` characters long."""
    words: list[str] = []
    size = 0
    while size < length:
        words.append(rng.choice(WORDS))
        size += len(words[-1]) + 1
    return " ".join(words).capitalize() + "."


def fake_messages(count: int, seed: int = SEED) -> Iterator[tuple[str, str]]:
    """Yield ``count`` (key, text) pairs, the same ones for the same seed."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        yield message_key(number), message_text(rng, rng.randint(*TEXT_LENGTHS))


def database_url(path: Path) -> str:
    """Return the SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path.resolve()}"


def ensure_database(count: int, secret_key: str) -> Path:
    """Return an SQLite file holding ``count`` benchmark messages, reusing an earlier run's."""
    return _ensure_sqlite(f"{count // 1000}k", count, f"{count:,} messages", fake_messages(count), secret_key)


def _ensure_sqlite(label: str, count: int, described: str, messages: Iterable, secret_key: str) -> Path:
    """Return the SQLite file ``label`` names, holding ``count`` messages (``described``), reusing an
    earlier run's if it holds them, else made afresh from ``messages``."""
    path = WORK_DIR / f"messages-{label}.sqlite3"
    instance = WORK_DIR / f"instance-{label}"
    if path.exists() and _holds(path, instance, count, secret_key):
        print(f"  {path.name}: reusing {described}")
        return path
    _remove_database(path)
    print(f"  {path.name}: adding {described} through store.add_many ...", flush=True)
    _fill(database_url(path), instance, messages, secret_key)
    return path


def writable_copy(path: Path) -> Path:
    """Return a fresh copy of an SQLite file, for the adds to grow while the original stays as seeded."""
    copy = path.with_name(f"{path.stem}-adds{path.suffix}")
    _remove_database(copy)
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(copy)) as target:
        source.backup(target)
    print(f"  {copy.name}: a copy of {path.name} for the adds")
    return copy


@dataclass(frozen=True)
class PostgresDatabases:
    """URLs of the bench's PostgreSQL databases: one as seeded, and a copy of it for the adds."""

    seeded: str
    adds: str


@contextmanager
def postgres_databases(count: int, secret_key: str) -> Iterator[PostgresDatabases]:
    """Create messageboard_bench_<pid> on the local PostgreSQL server (BENCH_POSTGRES_URL), with
    ``count`` benchmark messages added through store.add_many as in the SQLite files, and a copy of
    it for the adds; drop both on leaving, whatever happened, closing connections servers left."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"messageboard_bench_{os.getpid()}"
    names = (name, f"{name}_adds")
    try:
        with admin.connect() as connection:
            version, synchronous_commit = (
                connection.exec_driver_sql(f"SHOW {setting}").scalar()
                for setting in ("server_version", "synchronous_commit")
            )
        _execute(admin, f'CREATE DATABASE "{name}"')
    except SQLAlchemyError as error:
        admin.dispose()
        raise BenchError(
            f"cannot create a database on {shown_url(POSTGRES_ADMIN_URL)}: {first_line(error)}; "
            f"start the server ({START_POSTGRES}) or set BENCH_POSTGRES_URL"
        ) from None
    try:
        seeded, adds = (_url_of(database) for database in names)
        print(
            f"  PostgreSQL {version}, synchronous_commit {synchronous_commit}: in {name}, "
            f"adding {count:,} messages through store.add_many ...",
            flush=True,
        )
        _fill(seeded, WORK_DIR / "instance-postgres", fake_messages(count), secret_key)
        # As a database that has served a while would be after autovacuum: statistics gathered,
        # pages marked all-visible, nothing for autovacuum to start on in the middle of the run.
        _execute(create_engine(seeded, isolation_level="AUTOCOMMIT", poolclass=NullPool), "VACUUM ANALYZE")
        _execute(admin, f'CREATE DATABASE "{names[1]}" TEMPLATE "{name}"')
        print(f"  PostgreSQL {names[1]}: a copy of {name} for the adds")
        yield PostgresDatabases(seeded, adds)
    finally:
        for database in reversed(names):
            try:
                _execute(admin, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except SQLAlchemyError as error:
                print(
                    f"bench: could not drop PostgreSQL database {database}: {first_line(error)}; drop it yourself",
                    file=sys.stderr,
                )
        admin.dispose()


def _execute(engine: Engine, statement: str) -> None:
    """Run one statement on a connection of its own (the engines here pool none)."""
    with engine.connect() as connection:
        connection.exec_driver_sql(statement)


def _url_of(database: str) -> str:
    """Return the URL of a database on the bench's PostgreSQL server, password kept."""
    return make_url(POSTGRES_ADMIN_URL).set(database=database).render_as_string(hide_password=False)


def shown_url(url: str) -> str:
    """Return the URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _make_app(url: str, instance: Path, secret_key: str) -> Flask:
    """Build the site's production app on this database."""
    return create_app(
        "production", instance_path=instance, SECRET_KEY=secret_key, DATABASE_URL=url, TRUSTED_HOSTS=TRUSTED_HOSTS
    )


def _holds(path: Path, instance: Path, count: int, secret_key: str) -> bool:
    """Whether the database holds exactly the benchmark messages (plus the default one)."""
    app = _make_app(database_url(path), instance, secret_key)
    with app.app_context():
        try:
            if not store.schema_state().is_current:
                return False
            expected = count + (store.get_message(store.DEFAULT_KEY) is not None)
            return (
                store.list_messages(per_page=1).total == expected and store.get_message(message_key(count)) is not None
            )
        finally:
            db.engine.dispose()


def _fill(url: str, instance: Path, messages: Iterable, secret_key: str) -> None:
    """Create the database with the app's schema and add ``messages``, a thousand a transaction."""
    app = _make_app(url, instance, secret_key)
    pairs = iter(messages)
    with app.app_context():
        try:
            store.upgrade_schema()
            # Not all in one transaction: it would hold every text in memory at once.
            while store.add_many(itertools.islice(pairs, 1000)):
                pass
        finally:
            # SQLite: closing the last connection checkpoints the WAL, so servers start on a compact
            # file. PostgreSQL: no session may stay in a database that is copied as a template.
            db.engine.dispose()


def _remove_database(path: Path) -> None:
    """Delete an SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_assets(environment: Mapping[str, str]) -> None:
    """Build the css and js bundles, which production settings never build while serving."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "messageboard", "assets", "build"],
        cwd=PROJECT_ROOT,
        env=dict(environment),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BenchError(f"flask assets build failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def long_messages(count: int, length: int, seed: int = SEED) -> Iterator[tuple[str, str]]:
    """Yield ``count`` (key, text) pairs whose texts are ``length`` characters of the same random words."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        yield message_key(number), message_text(rng, length)[:length]


def ensure_long_database(count: int, length: int, secret_key: str) -> Path:
    """Return an SQLite file holding ``count`` benchmark messages of ``length`` characters each,
    reusing an earlier run's."""
    label = f"{count // 1000}k-{length // 1000}kb"
    described = f"{count:,} messages of {length:,} characters"
    return _ensure_sqlite(label, count, described, long_messages(count, length), secret_key)
