"""Setting the store up: the schema brought to the code's, with the default message on a new database."""

from __future__ import annotations

from messageboard.database.migrate import SchemaState
from messageboard.extensions import db
from messageboard.store.models import DEFAULT_KEY, DEFAULT_TEXT
from messageboard.store.queries import insert_message


def upgrade_schema() -> SchemaState:
    """Create or upgrade the schema to the code's newest revision, seeding the default message on a
    new database; return where it stood before."""
    with db.upgrading_schema() as (connection, before):
        if before.is_empty:
            insert_message(connection, DEFAULT_KEY, DEFAULT_TEXT)
    return before


def schema_state() -> SchemaState:
    """Where the database's schema stands against the code's revisions (``flask db upgrade`` brings it up)."""
    return db.schema_state()
