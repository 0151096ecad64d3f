"""SQLite: one file shared by every worker, in WAL mode, with writers queuing for the write lock."""

from __future__ import annotations

import os
import sqlite3
import threading
import time

import sqlalchemy
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, Table, Text, event, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError, OperationalError

from messageboard.core import (
    SEARCH_CANDIDATES_MAX,
    SEARCH_RESULTS_MAX,
    SEARCH_TEXTS_MAX,
)
from messageboard.database.schema import messages
from messageboard.database.search import SearchHits, newest_beyond, newest_matches, substring_condition

# An FTS5 index with the trigram tokenizer (migration 0001) answers case-insensitive substring
# searches over key and text without scanning the table; triggers keep it in step with every write.
SEARCH_INDEX = "messages_search"
_search_index = Table(SEARCH_INDEX, MetaData(), Column("rowid", Integer), Column(SEARCH_INDEX, Text))
# The trigram index matches runs of three or more characters; shorter searches read the newest texts.
TRIGRAM_LENGTH = 3
# Trigrams a search's candidates must hold, spread over it: more narrow them little, and the index
# reads the list of messages of each, as far back as the candidates go.
CANDIDATE_TRIGRAMS = 6
# The longest phrase the index checks from its positions: 14 characters.
PHRASE_TRIGRAMS_MAX = 12

# No BEGIN for a lone read: it is its own transaction, one round trip fewer.
READ_OPTIONS: dict = {}
# The listener below turns these into BEGIN (a snapshot for several reads) and BEGIN IMMEDIATE.
SNAPSHOT_OPTIONS = {"snapshot": True}
WRITE_OPTIONS = {"take_write_lock": True}


def create_engine(url: URL, config) -> Engine:
    """An engine whose writers wait up to ``DATABASE_BUSY_TIMEOUT`` seconds for each other."""
    busy_timeout = float(config["DATABASE_BUSY_TIMEOUT"])
    engine = sqlalchemy.create_engine(url, connect_args={"timeout": busy_timeout})
    _tune(engine, busy_timeout)
    if _is_a_file(engine.url.database):
        _watch_the_file(engine, engine.url.database)
    return engine


def take_lock(connection: Connection, key: int) -> None:
    """Nothing to do: the write transaction's BEGIN IMMEDIATE already keeps every other writer out."""


def create_optional_indexes(connection: Connection) -> None:
    """Nothing: the search index SQLite needs is part of the schema (migration 0001)."""


def search(connection: Connection, query: str) -> SearchHits:
    """The newest messages whose key or text contains ``query``, any case, as far back as one search may read."""
    # No index serves one or two characters: the newest texts are read, so many at most.
    if len(query) < TRIGRAM_LENGTH:
        return newest_matches(connection, substring_condition(query), newest_beyond(connection, SEARCH_TEXTS_MAX))
    # Finding the messages that hold a few of the query's trigrams costs little. Checking that they
    # hold them all, in order, reads each trigram's positions: cheap for a short phrase, but a long
    # one's every list is read whole, so its candidates' texts are read instead, fewer of them.
    index = _search_index.c[SEARCH_INDEX]
    spread = index.op("MATCH")(" AND ".join(map(_phrase, _spread_trigrams(query))))
    long_phrase = len(query) - TRIGRAM_LENGTH + 1 > PHRASE_TRIGRAMS_MAX
    checked = SEARCH_TEXTS_MAX if long_phrase else SEARCH_CANDIDATES_MAX
    newest_first = select(_search_index.c.rowid).where(spread).order_by(_search_index.c.rowid.desc())
    candidates = list(connection.execute(newest_first.limit(checked + 1)).scalars())
    beyond = candidates.pop() if len(candidates) > checked else None
    if long_phrase:
        return newest_matches(connection, messages.c.id.in_(candidates) & substring_condition(query), beyond)
    statement = select(_search_index.c.rowid).where(index.op("MATCH")(_phrase(query)))
    if beyond is not None:
        statement = statement.where(_search_index.c.rowid > beyond)
    statement = statement.order_by(_search_index.c.rowid.desc()).limit(SEARCH_RESULTS_MAX + 1)
    return SearchHits(list(connection.execute(statement).scalars()), beyond)


def _spread_trigrams(query: str) -> list[str]:
    """A few of the query's trigrams, from its start to its end: every match holds them all."""
    trigrams = [query[start : start + TRIGRAM_LENGTH] for start in range(len(query) - TRIGRAM_LENGTH + 1)]
    last = len(trigrams) - 1
    picked = {round(number * last / (CANDIDATE_TRIGRAMS - 1)) for number in range(CANDIDATE_TRIGRAMS)} if last else {0}
    return list(dict.fromkeys(trigrams[index] for index in sorted(picked)))


def _phrase(text: str) -> str:
    """``text`` as an FTS5 phrase: every character literal."""
    return '"' + text.replace('"', '""') + '"'


DATA_VERSION_QUERY = "PRAGMA data_version"


def change_counter(engine: Engine, config) -> SQLiteChangeCounter | None:
    """The file's data version, read on a connection of its own; None for an in-memory database."""
    database_file = engine.url.database
    if not database_file or database_file == ":memory:":
        return None
    return SQLiteChangeCounter(database_file, float(config["DATABASE_BUSY_TIMEOUT"]))


class SQLiteChangeCounter:
    """Reads SQLite's ``data_version`` on a connection of its own.

    ``PRAGMA data_version`` changes when any *other* connection commits, in any process; this
    connection never writes, so every commit changes it. It costs microseconds, no transaction.
    """

    def __init__(self, database_file: str, busy_timeout: float):
        self.database_file = database_file
        self.busy_timeout = busy_timeout
        self._file = WatchedFile(database_file) if _is_a_file(database_file) else None
        self._lock = threading.Lock()
        self._connection = None
        self._pid = None
        self._identity = None

    def current(self) -> int:
        """Return the database's current data version as seen from this process; raise SQLAlchemy's
        OperationalError, as every other database error is, if the file cannot say (a read-only
        folder, a full disk, the file gone): the next read opens another connection."""
        with self._lock:
            try:
                # A file removed, or replaced by another, while the connection reads the one it opened.
                if self._file and self._pid == os.getpid() and self._file.identity() != self._identity:
                    self._connection.close()
                    self._pid = None
                if self._pid != os.getpid():  # first use, or first use after gunicorn forked us
                    self._identity = self._file and device_and_inode(self.database_file)
                    self._connection = sqlite3.connect(
                        self.database_file, timeout=self.busy_timeout, check_same_thread=False, isolation_level=None
                    )
                    self._pid = os.getpid()
                return self._connection.execute(DATA_VERSION_QUERY).fetchone()[0]
            except sqlite3.Error as error:
                if self._connection is not None and self._pid == os.getpid():
                    self._connection.close()
                self._connection = self._pid = None
                raise OperationalError(DATA_VERSION_QUERY, None, error) from error

    def close(self) -> None:
        """Close the connection, if this process opened one."""
        with self._lock:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = self._pid = None


def _is_a_file(database: str | None) -> bool:
    """Whether an SQLite URL's database is a file named by its path (not in memory, not a URI)."""
    return bool(database) and database != ":memory:" and not database.startswith("file:")


def device_and_inode(path: str) -> tuple[int, int]:
    """The file's device and inode; raise sqlite3's OperationalError, as SQLite would, if it is gone."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise sqlite3.OperationalError(f"the database file is gone: {path}") from None
    return stat.st_dev, stat.st_ino


# The longest a removed or replaced database file goes unnoticed: looking costs a stat (1.5 us, a
# tenth of a page answered from the page cache), so it is looked at no oftener than this.
FILE_CHECK_SECONDS = 0.25


class WatchedFile:
    """A database file's identity, looked at again once ``FILE_CHECK_SECONDS`` have passed."""

    def __init__(self, path: str):
        self.path = path
        self._identity: tuple[int, int] | None = None
        self._checked_at = float("-inf")

    def identity(self) -> tuple[int, int]:
        """The file's identity as last seen; raise sqlite3's OperationalError if it is gone."""
        now = time.monotonic()
        if now - self._checked_at >= FILE_CHECK_SECONDS:
            self._identity = device_and_inode(self.path)
            self._checked_at = now
        return self._identity


def _watch_the_file(engine: Engine, path: str) -> None:
    """A database file removed while serving is an outage, not a new database: no connection makes
    an empty one in its place once the file has been seen, and a pooled connection still reading
    the removed (or replaced) file is dropped at checkout, so the next request opens the one there."""
    seen, watched = [os.path.exists(path)], WatchedFile(path)

    @event.listens_for(engine, "do_connect")
    def refuse_to_make_a_removed_file(*_arguments):
        if seen[0]:
            device_and_inode(path)

    @event.listens_for(engine, "connect")
    def note_the_file(_dbapi_connection, record):
        seen[0] = True
        record.info["file"] = device_and_inode(path)

    @event.listens_for(engine, "checkout")
    def check_the_file(_dbapi_connection, record, _proxy):
        try:
            same = watched.identity() == record.info.get("file")
        except sqlite3.OperationalError:
            same = False
        if not same:
            raise DisconnectionError("the database file was removed or replaced since this connection opened it")


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


def _tune(engine: Engine, busy_timeout: float) -> None:
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
        # Otherwise no BEGIN: a single read is its own transaction.
