"""The database's settings: which database, and its pool and timeouts (docs/deploy.md sizes the pool)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from messageboard.core import ConfigError
from messageboard.core.setting import Setting, seconds, text, whole

# The one driver each database is used through (DATABASE_URL names both: postgresql+psycopg://).
SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
URL_EXAMPLES = "sqlite:////path/to/file.sqlite3 or postgresql+psycopg://user:password@host/database"

SETTINGS: tuple[Setting, ...] = (
    # None means "an SQLite file in the instance folder" (see messageboard.database).
    text("DATABASE_URL", None),
    # Seconds a writer waits for another writer's lock before giving up (SQLite busy_timeout).
    seconds("DATABASE_BUSY_TIMEOUT", 10),
    # PostgreSQL: connections each worker process may hold for its requests, never more; a sync
    # worker serves one request at a time and uses one. Raise it to the thread count for threaded
    # workers. The page cache reads its change counter on one more connection of its own, so a
    # worker holds at most this + 1: keep workers x hosts x (this + 1) under the server's
    # max_connections (docs/deploy.md works it through).
    whole("DATABASE_POOL_SIZE", 1, least=1),
    # PostgreSQL: seconds a request waits for a free pooled connection, then answers 503.
    seconds("DATABASE_POOL_TIMEOUT", 5),
    # PostgreSQL: seconds to connect before a page answers 503; also how long a query may wait
    # on a link that stopped answering (TCP_USER_TIMEOUT) before it fails instead of hanging.
    whole("DATABASE_CONNECT_TIMEOUT", 5, least=2),
)


def check_settings(values: Mapping) -> None:
    """DATABASE_URL, where set, names one of the supported databases through its driver."""
    url = values.get("DATABASE_URL")
    if url is None:
        return
    try:
        parsed = make_url(url) if isinstance(url, str) else None
    except ArgumentError:
        parsed = None
    if parsed is None:
        raise ConfigError(f"DATABASE_URL is not a database URL: set it to {URL_EXAMPLES}, not {url!r}")
    driver = SUPPORTED_DRIVERS.get(parsed.get_backend_name())
    if driver is None or parsed.get_driver_name() != driver:
        raise ConfigError(
            f"DATABASE_URL names {parsed.drivername}, which the site does not use: set it to {URL_EXAMPLES}"
        )
