"""Schema migrations through Alembic: where a database's schema stands against the code's migrations,
and bringing it to the newest, on a connection whose transaction (and schema lock) the caller holds.
(A migration is an Alembic "revision"; the site keeps that word for a message's versions.)"""

from __future__ import annotations

from argparse import Namespace
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import Connection, inspect

from messageboard.database.schema import messages

MIGRATIONS_FOLDER = Path(__file__).with_name("migrations")
INIT_COMMAND = "flask --app messageboard db init"
UPGRADE_COMMAND = "flask --app messageboard db upgrade"
# What each database's migrations make beside the tables schema.py describes (the search index
# and its shadow tables, the change counter, the trigram indexes): autogenerate leaves them be.
_BACKEND_OWN_PREFIXES = ("messages_search", "data_version", "ix_messages_key_trigram", "ix_messages_text_trigram")


@dataclass(frozen=True)
class SchemaState:
    """The migrations a database is at, the code's newest, and whether it has the site's tables at all."""

    current: tuple[str, ...]
    head: str
    known: frozenset[str]
    has_tables: bool

    @property
    def is_empty(self) -> bool:
        """No tables of the site's yet: a new database."""
        return not self.current and not self.has_tables

    @property
    def is_current(self) -> bool:
        """At the code's newest migration."""
        return self.current == (self.head,)

    @property
    def is_ahead(self) -> bool:
        """At a migration this code does not know: a newer release upgraded it."""
        return any(migration not in self.known for migration in self.current)

    @property
    def is_behind(self) -> bool:
        """Made by an older release: ``flask db upgrade`` brings it to the code's schema."""
        return not self.is_current and not self.is_ahead and not self.is_empty

    def describe(self) -> str:
        """Where it stands, in words: 'at migration 0002', 'from before migrations', 'empty'."""
        if self.is_empty:
            return "empty"
        if not self.current:
            return "from before migrations"
        return "at migration " + ", ".join(self.current)

    def problem(self) -> str | None:
        """Why a server must not serve this database, in one line naming the command to run; None if it may."""
        if self.is_current:
            return None
        if self.is_empty:
            return f"The database has no tables for the site yet: run `{INIT_COMMAND}` (make run does), then start the server again"
        if self.is_ahead:
            return (
                f"The database's schema is {self.describe()}, newer than this code's {self.head}: serve it with "
                f"the release whose `{UPGRADE_COMMAND}` made it, or restore a backup from before that upgrade"
            )
        return (
            f"The database's schema is {self.describe()}, behind this code's {self.head}: run "
            f"`{UPGRADE_COMMAND}` (make run does), then start the server again"
        )


def schema_state(connection: Connection) -> SchemaState:
    """Where the database behind ``connection`` stands: one read of Alembic's version table, no DDL."""
    current = MigrationContext.configure(connection).get_current_heads()
    has_tables = bool(current) or inspect(connection).has_table(messages.name)
    known = frozenset(script.revision for script in migrations())
    return SchemaState(tuple(current), _scripts().get_current_head(), known, has_tables)


def upgrade(connection: Connection) -> None:
    """Run every migration the database lacks, in the caller's transaction."""
    command.upgrade(_config(connection), "head")


def migrations() -> list[Script]:
    """The code's migrations, newest first."""
    return list(_scripts().walk_revisions())


def new_migration(connection: Connection, message: str) -> Path:
    """Write the next migration's file, its operations worked out from schema.py against the database
    at ``connection`` (which must be at the newest migration); return its path."""
    number = f"{len(migrations()) + 1:04d}"
    script = command.revision(_config(connection), message=message, autogenerate=True, rev_id=number)
    return Path(script.path)


def compared_by_autogenerate(name: str | None, type_: str, _parents: dict) -> bool:
    """Whether autogenerate compares the object: not the databases' own objects schema.py leaves out."""
    return not (name and type_ in ("table", "index") and name.startswith(_BACKEND_OWN_PREFIXES))


def _config(connection: Connection | None = None) -> Config:
    """Alembic's settings, with no ini file: the migrations' folder, their file names, and the connection;
    quiet, since the site's commands say what was done."""
    config = Config(attributes={"connection": connection}, cmd_opts=Namespace(quiet=True))
    config.set_main_option("script_location", str(MIGRATIONS_FOLDER))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The migrations' folder, read once per process."""
    return ScriptDirectory.from_config(_config())
