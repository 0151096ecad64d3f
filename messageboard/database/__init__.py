"""The database extension: one SQLAlchemy engine per app, on SQLite or PostgreSQL, its transactions
and its schema. Each backend module (``sqlite``, ``postgres``) owns what only its database does:
how engines are made and transactions begin, its search index and search condition, and its
change counter."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Protocol

from flask import Flask, current_app
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import URL, make_url

from messageboard.core import ConfigError, project_path
from messageboard.database import migrate, postgres, sqlite
from messageboard.database.errors import FAILED_WORK, READING, UNAVAILABLE_ERRORS, WRITING, Outages, first_line
from messageboard.database.migrate import SchemaState
from messageboard.database.search import SearchHits

DATABASE_FILE = "messageboard.sqlite3"
# Write transactions that must not run beside another of their kind, on any host (``writing(alone=...)``).
# Any numbers unique to this application ("messageb", "messagec").
SCHEMA_LOCK = 0x6D657373_61676562
LOGIN_ATTEMPTS_LOCK = 0x6D657373_61676563
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
    outages: Outages = field(default_factory=Outages)


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
        bound = app.extensions[_EXTENSION_KEY]
        if not bound.counter:
            return None
        read, outages, logger = bound.counter.current, bound.outages, app.logger

        def current() -> int:
            number = read()
            if outages.causes:  # a page answered from memory: the database's answer ends a reading outage too
                _log_answering_again(outages, READING, logger)
            return number

        return current

    @property
    def outages(self) -> Outages:
        """What the current app's process last logged of its database not answering."""
        return current_app.extensions[_EXTENSION_KEY].outages

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
        if bound.outages.causes:
            _log_answering_again(bound.outages, READING, current_app.logger)

    @contextmanager
    def writing(self, *, alone: int | None = None) -> Iterator[Connection]:
        """Yield a connection inside a write transaction, committed on success, else rolled back; with
        ``alone`` (a lock's number), it waits for any other write transaction holding the same lock."""
        bound = current_app.extensions[_EXTENSION_KEY]
        try:
            with bound.engine.connect() as connection:
                if bound.backend.WRITE_OPTIONS:
                    connection.execution_options(**bound.backend.WRITE_OPTIONS)
                with connection.begin():
                    if alone is not None:
                        bound.backend.take_lock(connection, alone)
                    yield connection
        except UNAVAILABLE_ERRORS as error:
            setattr(error, FAILED_WORK, WRITING)  # its cause ends only when a write succeeds
            raise
        if bound.outages.causes:
            _log_answering_again(bound.outages, WRITING, current_app.logger)

    @contextmanager
    def upgrading_schema(self) -> Iterator[tuple[Connection, SchemaState]]:
        """Bring the schema to the code's newest migration in a write transaction no other upgrade
        runs beside; yield the connection and where the schema stood before, for the caller's first
        rows; ConfigError if the database is at a migration newer than the code's."""
        # Hosts upgrading together: one upgrades, the others wait and then find nothing to do.
        with self.writing(alone=SCHEMA_LOCK) as connection:
            before = migrate.schema_state(connection)
            if before.is_ahead:
                raise ConfigError(before.problem())
            if not before.is_current:
                migrate.upgrade(connection)
            current_app.extensions[_EXTENSION_KEY].backend.create_optional_indexes(connection)
            yield connection, before

    def schema_state(self) -> SchemaState:
        """Where the schema stands against the code's migrations: one read, no lock and no DDL, so that
        a role that may only read and write (an export's, say) can check."""
        with self.reading() as connection:
            return migrate.schema_state(connection)

    @staticmethod
    def search(connection: Connection, query: str) -> SearchHits:
        """The newest matches of ``query`` in keys and texts, any case, as far back as one search may read."""
        return current_app.extensions[_EXTENSION_KEY].backend.search(connection, query)


def _log_answering_again(outages: Outages, work: str, logger: logging.Logger) -> None:
    """Say once that the database answers ``work`` again, for each cause that its success ends."""
    for cause, failed in outages.answered(work):
        logger.warning("Database answering again, after %s request(s) answered 503 (%s)", failed, cause)


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
