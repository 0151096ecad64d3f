"""PostgreSQL for the tests: one database per test run (per xdist worker), one schema per test in it.

The server is the one at ``TEST_POSTGRES_URL`` (default: the local server, user postgres, trust
auth, as `.ci/run` starts it). A schema per test keeps tests apart at the cost of a CREATE SCHEMA;
the apps reach theirs through ``search_path``, set by the URL's ``options``, so every process a
test starts (gunicorn, ``flask`` commands) sees the same tables from the URL alone.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
START_SERVER = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


class PostgresTestDatabase:
    """A database created for this run, and fresh schemas in it, all dropped when closed."""

    def __init__(self, admin_url: str = ADMIN_URL):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.name = f"messageboard_test_{os.getpid()}_{secrets.token_hex(4)}"
        try:
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        except OperationalError as error:
            raise RuntimeError(
                f"the PostgreSQL tests need the server at {make_url(admin_url)!r}; "
                f"start it with: {START_SERVER} ({error.orig})"
            ) from None
        self.url: URL = make_url(admin_url).set(database=self.name)
        self.engine = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        # Once, in public, where every schema's search_path finds it: apps then skip creating it.
        self.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    def execute(self, statement: str) -> None:
        """Run one statement in the test database, outside any schema of a test's."""
        with self.engine.connect() as connection:
            connection.exec_driver_sql(statement)

    def schema_url(self, schema: str) -> str:
        """The database URL whose connections see ``schema`` first (then public, for pg_trgm)."""
        url = self.url.update_query_dict({"options": f"-csearch_path={schema},public"})
        return url.render_as_string(hide_password=False)

    @contextmanager
    def schema(self) -> Iterator[str]:
        """Create a schema of its own for one test; yield the URL that uses it; drop it afterwards."""
        schema = f"test_{secrets.token_hex(6)}"
        self.execute(f'CREATE SCHEMA "{schema}"')
        try:
            yield self.schema_url(schema)
        finally:
            self.execute(f'DROP SCHEMA "{schema}" CASCADE')

    def close(self) -> None:
        """Drop the database, closing whatever connections servers left open in it."""
        self.engine.dispose()
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()
