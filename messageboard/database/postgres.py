"""PostgreSQL through psycopg 3: a fixed pool per worker, reconnecting by itself after an outage."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy
from flask import current_app
from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from messageboard.database.errors import first_line
from messageboard.schema import (
    POSTGRES_CHANGE_COUNTER_DDL,
    POSTGRES_SEARCH_DDL,
    data_version,
    postgres_metadata,
)

# A lone SELECT needs no BEGIN and ROLLBACK around it: one round trip instead of three.
READ_OPTIONS = {"isolation_level": "AUTOCOMMIT"}
# A page's count and rows must come from one snapshot; READ COMMITTED takes one per statement.
SNAPSHOT_OPTIONS = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
# READ COMMITTED: the store's writes are conditional statements checked by their row counts and
# unique keys, which stay correct at this level without serialising every writer.
WRITE_OPTIONS: dict = {}
# Made by create_schema, beside the tables every database has.
OWN_TABLES = (data_version.name,)

# Any number unique to this application: the advisory lock taken while creating the schema.
SCHEMA_LOCK_KEY = 0x6D657373_61676562  # "messageb"


def create_engine(url: URL, config) -> Engine:
    """An engine with ``DATABASE_POOL_SIZE`` connections at most, each checked before use."""
    connect_timeout = int(config["DATABASE_CONNECT_TIMEOUT"])
    return sqlalchemy.create_engine(
        url,
        # A hard cap, so that workers x hosts x pool size is the most the site ever opens.
        pool_size=int(config["DATABASE_POOL_SIZE"]),
        max_overflow=0,
        pool_timeout=float(config["DATABASE_POOL_TIMEOUT"]),
        # A pooled connection may have died with a database restart or failover; checking it
        # costs one round trip and turns that into a reconnect instead of an error page.
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": connect_timeout,
            # A silently dropped link fails a query after this long instead of hanging the worker.
            "tcp_user_timeout": connect_timeout * 1000,
            "application_name": "messageboard",
        },
    )


def lock_schema(connection: Connection) -> None:
    """Wait for any other process creating the schema: hosts starting together must not race."""
    connection.execute(select(sqlalchemy.func.pg_advisory_xact_lock(SCHEMA_LOCK_KEY)))


def create_schema(connection: Connection) -> None:
    """The change counter and its trigger, and the trigram indexes search reads where pg_trgm may be made."""
    postgres_metadata.create_all(connection, checkfirst=True)
    for statement in POSTGRES_CHANGE_COUNTER_DDL:
        connection.exec_driver_sql(statement)
    try:
        with connection.begin_nested():
            for statement in POSTGRES_SEARCH_DDL:
                connection.exec_driver_sql(statement)
    except DBAPIError as error:
        # Search still works, by reading every row; only its speed on large sites depends on this.
        current_app.logger.warning("Search will scan the whole messages table: pg_trgm could not be set up "
                                   "(%s). The database's owner or a superuser can run CREATE EXTENSION pg_trgm in "
                                   "it, then flask db init.",
                                   first_line(error))


def change_counter(engine: Engine) -> Callable[[], int]:
    """The ``data_version`` row that a trigger moves on every change to messages, from any client."""
    statement = select(data_version.c.version).where(data_version.c.id == 1)

    def current() -> int:
        with engine.connect() as connection:
            connection.execution_options(**READ_OPTIONS)
            return connection.execute(statement).scalar_one()

    return current
