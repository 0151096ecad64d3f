"""Alembic's entry point: runs the migrations on the connection `messageboard.database.migrate`
hands it, inside that connection's transaction and its schema lock."""

from alembic import context

from messageboard.database.migrate import compared_by_autogenerate
from messageboard.database.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise SystemExit("Run migrations through `flask --app messageboard db upgrade`, which holds the schema lock.")
context.configure(connection=connection, target_metadata=metadata, include_name=compared_by_autogenerate)
with context.begin_transaction():  # the caller's transaction: nothing begins or commits here
    context.run_migrations()
