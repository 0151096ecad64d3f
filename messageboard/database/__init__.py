"""The database extension: one SQLAlchemy engine per app, on SQLite or PostgreSQL, its transactions
and its schema. Each backend module (``sqlite``, ``postgres``) owns what only its database does:
how engines are made and transactions begin, its search index and search condition, and its
change counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import URL, make_url

from messageboard.core import project_path
from messageboard.database import postgres, sqlite
from messageboard.database.errors import UNAVAILABLE_ERRORS, first_line
from messageboard.database.schema import messages, metadata
from messageboard.database.search import SearchHits

DATABASE_FILE = "messageboard.sqlite3"
_EXTENSION_KEY = "messageboard.database"

# Each backend module creates engines and says how reads, snapshots and writes begin on them.
BACKENDS: dict[str, ModuleType] = {"sqlite": sqlite, "postgresql": postgres}


class ChangeCounter(Protocol):
    """A number that moves whenever anyone commits a change, read on a connection of its own."""

    def current(self) -> int:
        """The number now."""

    def close(self) -> None:
        """Close the counter's connection (the next read opens another)."""


@dataclass(frozen=True)
class BoundDatabase:
    """One app's engine, the backend module that made it, and its change counter, if it has one."""

    engine: Engine
    backend: ModuleType
    counter: ChangeCounter | None


class Database:
    """Owns each app's engine and opens read and write transactions on it."""

    def init_app(self, app: Flask) -> None:
        """Create the app's engine from ``DATABASE_URL`` (default: a file in the instance folder)."""
        url = database_url(app.config["DATABASE_URL"], Path(app.instance_path))
        backend = BACKENDS[url.get_backend_name()]  # settings checked the name at start-up
        engine = backend.create_engine(url, app.config)
        app.extensions[_EXTENSION_KEY] = BoundDatabase(engine, backend, backend.change_counter(engine, app.config))

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return current_app.extensions[_EXTENSION_KEY].engine

    @staticmethod
    def change_counter(app: Flask) -> Callable[[], int] | None:
        """A function returning a number that moves whenever anyone commits a change; None where unknown."""
        counter = app.extensions[_EXTENSION_KEY].counter
        return counter.current if counter else None

    @staticmethod
    def close(app: Flask) -> None:
        """Close the app's connections, pooled and the change counter's (before a fork, say)."""
        bound = app.extensions[_EXTENSION_KEY]
        bound.engine.dispose()
        if bound.counter:
            bound.counter.close()

    @contextmanager
    def reading(self, *, snapshot: bool = False) -> Iterator[Connection]:
        """Yield a connection for reads; with ``snapshot``, all its statements see the same data."""
        bound = current_app.extensions[_EXTENSION_KEY]
        options = bound.backend.SNAPSHOT_OPTIONS if snapshot else bound.backend.READ_OPTIONS
        with bound.engine.connect() as connection:
            if options:  # even an empty call costs about 3 us, on every read of SQLite's
                connection.execution_options(**options)
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """Yield a connection inside a write transaction, committed on success, else rolled back."""
        bound = current_app.extensions[_EXTENSION_KEY]
        with bound.engine.connect() as connection:
            if bound.backend.WRITE_OPTIONS:
                connection.execution_options(**bound.backend.WRITE_OPTIONS)
            with connection.begin():
                yield connection

    @contextmanager
    def creating_schema(self) -> Iterator[tuple[Connection, bool]]:
        """Create what is missing of the schema in a write transaction no other process creating it runs
        beside; yield the connection, and whether the tables are new (for the caller's first rows)."""
        with self.writing() as connection:
            backend = current_app.extensions[_EXTENSION_KEY].backend
            backend.lock_schema(connection)
            is_new = not inspect(connection).has_table(messages.name)
            metadata.create_all(connection, checkfirst=True)
            backend.create_schema(connection)
            yield connection, is_new

    def schema_exists(self) -> bool:
        """Whether every table is there, the database's own ones too: one look, no lock and no DDL,
        so that a role that may only read and write (an export's, say) can check."""
        with self.reading() as connection:
            present = set(inspect(connection).get_table_names())
        backend = current_app.extensions[_EXTENSION_KEY].backend
        return {table.name for table in metadata.sorted_tables} | set(backend.OWN_TABLES) <= present

    @staticmethod
    def search(connection: Connection, query: str) -> SearchHits:
        """The newest matches of ``query`` in keys and texts, any case, as far back as one search may read."""
        return current_app.extensions[_EXTENSION_KEY].backend.search(connection, query)


def connection_problem(config) -> str | None:
    """Why the database ``DATABASE_URL`` names cannot be reached now, in one line; None if it can.

    An SQLite file is made on first start, so only a server database is tried.
    """
    if not config["DATABASE_URL"]:
        return None
    url = make_url(config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        return None
    engine = BACKENDS[url.get_backend_name()].create_engine(url, config)
    try:
        engine.connect().close()
    except UNAVAILABLE_ERRORS as error:
        return f"cannot connect to {url.render_as_string(hide_password=True)} ({first_line(error)})"
    finally:
        engine.dispose()
    return None


def database_url(setting: str | None, instance_path: Path) -> URL:
    """The URL ``DATABASE_URL`` names, an SQLite file's relative path taken from the project folder
    as every path setting's is; without the setting, a file in the instance folder."""
    url = make_url(setting or default_sqlite_url(instance_path))
    file = url.database
    if url.get_backend_name() == "sqlite" and file and file != ":memory:" and not file.startswith("file:"):
        url = url.set(database=str(project_path(file).resolve()))
    return url


def default_sqlite_url(instance_path: Path) -> str:
    """Return the URL of the SQLite file in the instance folder, creating the folder."""
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / DATABASE_FILE}"
