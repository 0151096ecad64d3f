"""Setting the store up: the schema, with the default message on a new database."""

from __future__ import annotations

from messageboard.database.schema import message_count
from messageboard.extensions import db
from messageboard.store.models import DEFAULT_KEY, DEFAULT_TEXT
from messageboard.store.queries import insert_message


def create_schema() -> bool:
    """Create the tables and indexes if missing, seeding the default message; True if new."""
    with db.creating_schema() as (connection, is_new):
        if is_new:
            connection.execute(message_count.insert().values(id=1, total=0))
            insert_message(connection, DEFAULT_KEY, DEFAULT_TEXT)
    return is_new


def schema_exists() -> bool:
    """Whether the database has every table the site reads (``flask db init`` makes them)."""
    return db.schema_exists()
