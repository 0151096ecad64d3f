"""The database extension: one SQLAlchemy engine per app, with SQLite set up for several writers."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, create_engine, event

DATABASE_FILE = "messageboard.sqlite3"
_EXTENSION_KEY = "messageboard.database"
_WATCHER_KEY = "messageboard.database.change_watcher"


class Database:
    """Owns each app's engine and opens read and write transactions on it."""

    def init_app(self, app: Flask) -> None:
        """Create the app's engine from ``DATABASE_URL`` (default: a file in the instance folder)."""
        url = app.config["DATABASE_URL"] or default_sqlite_url(Path(app.instance_path))
        engine = create_engine(url, connect_args=_connect_args(url, app.config))
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine, float(app.config["DATABASE_BUSY_TIMEOUT"]))
        app.extensions[_EXTENSION_KEY] = engine
        database_file = engine.url.database if engine.dialect.name == "sqlite" else None
        has_file = database_file and database_file != ":memory:"
        app.extensions[_WATCHER_KEY] = SQLiteChangeWatcher(database_file) if has_file else None

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions[_EXTENSION_KEY]

    @staticmethod
    def change_counter(app: Flask) -> Callable[[], int] | None:
        """A function returning a number that moves whenever anyone commits; None where unknown."""
        watcher = app.extensions[_WATCHER_KEY]
        return watcher.current if watcher else None

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """Yield a connection for reads; with ``snapshot``, all its statements see the same data."""
        with self.engine.connect() as connection:
            if snapshot:
                connection.execution_options(snapshot=True)
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """Yield a connection inside a write transaction, committed on success, else rolled back."""
        with self.engine.connect() as connection:
            connection.execution_options(take_write_lock=True)
            with connection.begin():
                yield connection


class SQLiteChangeWatcher:
    """Reads SQLite's ``data_version`` on a connection of its own.

    ``PRAGMA data_version`` changes when any *other* connection commits, in any process; this
    connection never writes, so every commit changes it. It costs microseconds, no transaction.
    """

    def __init__(self, database_file: str):
        self.database_file = database_file
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None

    def current(self) -> int:
        """Return the database's current data version as seen from this process."""
        with self._lock:
            if self._pid != os.getpid():  # first use, or first use after gunicorn forked us
                self._connection = sqlite3.connect(self.database_file, check_same_thread=False,
                                                   isolation_level=None)
                self._pid = os.getpid()
            return self._connection.execute("PRAGMA data_version").fetchone()[0]


def _use_wal(cursor, busy_timeout: float) -> None:
    """Switch the database file to WAL (once; the file keeps it), waiting out other processes."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    # Switching needs the file to itself, and SQLite answers "database is locked" at once, without
    # its busy handler, when another process is doing the same: workers starting on a new file.
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def default_sqlite_url(instance_path: Path) -> str:
    """Return the URL of the SQLite file in the instance folder, creating the folder."""
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / DATABASE_FILE}"


def _connect_args(url: str, config) -> dict:
    """Driver arguments: SQLite's busy timeout, in seconds, so writers queue instead of failing."""
    if url.startswith("sqlite"):
        return {"timeout": float(config["DATABASE_BUSY_TIMEOUT"])}
    return {}


def _tune_sqlite(engine: Engine, busy_timeout: float) -> None:
    """Use WAL, and begin write transactions with BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own BEGIN is deferred, so two workers could both read, then both try to
        # upgrade to a write lock, and one fails with "database is locked" whatever the timeout.
        # Turning its transaction handling off lets on_begin choose the kind of BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor, busy_timeout)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        options = connection.get_execution_options()
        if options.get("take_write_lock"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif options.get("snapshot"):
            connection.exec_driver_sql("BEGIN")
        # Otherwise no BEGIN: a single read is its own transaction, one round trip fewer.
