"""PostgreSQL through psycopg 3: a fixed pool per worker, reconnecting by itself after an outage."""

from __future__ import annotations

import os
import threading
import time

import psycopg
import sqlalchemy
from flask import current_app
from sqlalchemy import Connection, Engine, event, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError

from messageboard.core import SEARCH_BYTES_MAX, SEARCH_CANDIDATES_MAX
from messageboard.database.errors import first_line
from messageboard.database.search import SearchHits, newest_matches, substring_condition

# PostgreSQL has no counterpart of SQLite's PRAGMA data_version, which the page cache watches: a
# trigger (migration 0001) moves this row's version in every transaction that changes messages,
# whoever runs it (any host, psql).
DATA_VERSION_QUERY = "SELECT version FROM data_version WHERE id = 1"
# pg_trgm's GIN indexes answer ILIKE '%...%' over key and text without scanning the table, as
# FTS5's trigram index does on SQLite. The extension is trusted: a database owner may create it,
# but where it cannot be made search still works, so they are made by every `flask db init` and
# `flask db upgrade` that can, outside the migrations.
SEARCH_INDEX_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_messages_key_trigram ON messages USING gin (key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_messages_text_trigram ON messages USING gin (text gin_trgm_ops)",
)

# A lone SELECT needs no BEGIN and ROLLBACK around it: one round trip instead of three.
READ_OPTIONS = {"isolation_level": "AUTOCOMMIT"}
# A page's count and rows must come from one snapshot; READ COMMITTED takes one per statement.
SNAPSHOT_OPTIONS = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
# READ COMMITTED: the store's writes are conditional statements checked by their row counts and
# unique keys, which stay correct at this level without serialising every writer.
WRITE_OPTIONS: dict = {}
# A connection used less than this many seconds ago is taken as alive; one idle for longer is
# checked with a round trip before use (see _check_connections_idle_for_a_while).
CHECK_AFTER_IDLE_SECONDS = 1.0


def create_engine(url: URL, config) -> Engine:
    """An engine with ``DATABASE_POOL_SIZE`` connections at most, checked before use after a pause."""
    engine = sqlalchemy.create_engine(
        url,
        # A hard cap: with the page cache's own connection, workers x hosts x (pool size + 1) is
        # the most the site ever opens.
        pool_size=int(config["DATABASE_POOL_SIZE"]),
        max_overflow=0,
        pool_timeout=float(config["DATABASE_POOL_TIMEOUT"]),
        connect_args=_connect_args(config),
    )
    _check_connections_idle_for_a_while(engine)
    return engine


def _connect_args(config) -> dict:
    """psycopg's connection settings: timeouts, and a name to find the site's sessions by."""
    connect_timeout = int(config["DATABASE_CONNECT_TIMEOUT"])
    return {
        "connect_timeout": connect_timeout,
        # A silently dropped link fails a query after this long instead of hanging the worker.
        "tcp_user_timeout": connect_timeout * 1000,
        "application_name": "messageboard",
    }


def _check_connections_idle_for_a_while(engine: Engine) -> None:
    """Ping a pooled connection before use if it sat idle for ``CHECK_AFTER_IDLE_SECONDS``.

    A connection may have died in the pool with a database restart, a failover or a dropped link;
    the check turns that into a reconnect instead of an error page. SQLAlchemy's pool_pre_ping
    checks every time, which doubled the round trips of a page served from the page cache; a
    connection that answered a moment ago is as good as checked, so under load nothing is paid.
    (A restart under load fails the requests already on their way, pinged or not; the error
    invalidates the pool, so each worker reconnects at once.)
    """

    @event.listens_for(engine, "checkin")
    def note_idle_since(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def check_if_idle_for_a_while(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < CHECK_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool replaces this connection and every other one older than now.
            raise InvalidatePoolError(f"idle connection failed its check: {first_line(error)}") from error


def take_lock(connection: Connection, key: int) -> None:
    """Wait until no other transaction holds the advisory lock ``key``, then hold it until this one ends."""
    connection.execute(select(sqlalchemy.func.pg_advisory_xact_lock(key)))


def create_optional_indexes(connection: Connection) -> None:
    """The trigram indexes search reads, where pg_trgm may be made; a warning where it may not."""
    try:
        with connection.begin_nested():
            for statement in SEARCH_INDEX_DDL:
                connection.exec_driver_sql(statement)
    except DBAPIError as error:
        # Search still works, by reading every row; only its speed on large sites depends on this.
        current_app.logger.warning(
            "Search will scan the whole messages table: pg_trgm could not be set up "
            "(%s). The database's owner or a superuser can run CREATE EXTENSION pg_trgm in "
            "it, then flask db upgrade.",
            first_line(error),
        )


def search(connection: Connection, query: str) -> SearchHits:
    """The newest messages whose key or text contains ``query``, any case, as far back as one search may read."""
    # The trigram indexes rule messages out, but every one they let through is read again to check
    # it, so the window is as many newest messages, holding as much text, as a search may read.
    beyond = connection.execute(_WINDOW_BEYOND, {"most": SEARCH_CANDIDATES_MAX, "bytes": SEARCH_BYTES_MAX}).scalar()
    return newest_matches(connection, substring_condition(query), beyond)


# The newest message past the window: the row count or the texts' stored size (compressed, as
# read from disk; no text is read to learn it) before it reached its limit.
_WINDOW_BEYOND = text(
    """SELECT id FROM (
        SELECT id, row_number() OVER newest AS number,
            sum(pg_column_size(text)) OVER newest - pg_column_size(text) AS bytes_before
        FROM messages WINDOW newest AS (ORDER BY id DESC) ORDER BY id DESC LIMIT :most + 1
    ) newest WHERE number > :most OR bytes_before >= :bytes ORDER BY id DESC LIMIT 1"""
)


def change_counter(engine: Engine, config) -> PostgresChangeCounter:
    """The ``data_version`` row that a trigger moves on every change to messages, from any client."""
    _, connect_kwargs = engine.dialect.create_connect_args(engine.url)
    return PostgresChangeCounter({**connect_kwargs, **_connect_args(config)})


class PostgresChangeCounter:
    """Reads the ``data_version`` row on a connection of its own, as SQLite's counter does.

    The page cache asks before every page it answers, so the read must cost little more than its
    round trip: through a pooled SQLAlchemy connection (checkout, isolation level, result) it took
    three times as long as on a psycopg connection of its own in autocommit, with the statement
    prepared. A failed read closes the connection, and the next read opens another.
    """

    def __init__(self, connect_kwargs: dict):
        self.connect_kwargs = connect_kwargs
        self._lock = threading.Lock()
        self._connection: psycopg.Connection | None = None
        self._pid = os.getpid()
        # Connections opened before a fork: kept, never closed, since closing one in a child
        # would end the parent's session on the socket they share.
        self._inherited: list[psycopg.Connection] = []

    def current(self) -> int:
        """Return the data version now; raise SQLAlchemy's OperationalError if the database cannot say."""
        with self._lock:
            if self._pid != os.getpid():
                if self._connection is not None:
                    self._inherited.append(self._connection)
                self._connection, self._pid = None, os.getpid()
            try:
                if self._connection is None:
                    self._connection = psycopg.connect(**self.connect_kwargs, autocommit=True)
                cursor = self._connection.execute(DATA_VERSION_QUERY, prepare=True)
                return cursor.fetchone()[0]
            except psycopg.Error as error:
                if self._connection is not None:
                    self._connection.close()
                    self._connection = None
                raise OperationalError(DATA_VERSION_QUERY, None, error) from error

    def close(self) -> None:
        """Close the connection, if this process opened one."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None
