"""The schema before migrations: messages, editors, logins, login failures, search index, change counter.

Migration 0001, the first. Databases made by `flask db init` before migrations have these tables
and no migration recorded: this one creates only what such a database lacks, so it comes in here
whatever release made it, and a new database is made from nothing. Frozen: later changes are new
migrations.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# 64-bit ids on every database; SQLite's autoincrement needs the exact type INTEGER.
Id = sa.BigInteger().with_variant(sa.Integer, "sqlite")
KEY = sa.String(64).with_variant(sa.String(64, collation="C"), "postgresql")

TABLES = {
    "messages": lambda: op.create_table(
        "messages",
        sa.Column("id", Id, primary_key=True),
        sa.Column("key", KEY, nullable=False, unique=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sqlite_autoincrement=True,
    ),
    "message_count": lambda: op.create_table(
        "message_count",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("total", sa.Integer, nullable=False),
    ),
    "editors": lambda: op.create_table(
        "editors",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sqlite_autoincrement=True,
    ),
    "login_sessions": lambda: op.create_table(
        "login_sessions",
        sa.Column("id", Id, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("editor_id", Id, nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("last_seen_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sqlite_autoincrement=True,
    ),
    "login_failures": lambda: op.create_table(
        "login_failures",
        sa.Column("id", Id, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failed_at", sa.DateTime, nullable=False),
    ),
}
INDEXES = {
    "messages": [("ix_messages_updated_at_desc_key", [sa.text("updated_at DESC"), "key"])],
    "login_sessions": [
        ("ix_login_sessions_editor_id", ["editor_id", "address"]),
        ("ix_login_sessions_started_at", ["started_at"]),
    ],
    "login_failures": [
        ("ix_login_failures_name", ["name", "failed_at"]),
        ("ix_login_failures_address", ["address", "failed_at"]),
    ],
}

# SQLite: an FTS5 trigram index over key and text, kept in step by triggers.
SQLITE_DDL = (
    """CREATE VIRTUAL TABLE IF NOT EXISTS messages_search
        USING fts5(key, text, content='messages', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER IF NOT EXISTS messages_search_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_search(rowid, key, text) VALUES (new.id, new.key, new.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS messages_search_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_search(messages_search, rowid, key, text)
        VALUES ('delete', old.id, old.key, old.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS messages_search_after_update AFTER UPDATE OF key, text ON messages
    BEGIN
        INSERT INTO messages_search(messages_search, rowid, key, text)
        VALUES ('delete', old.id, old.key, old.text);
        INSERT INTO messages_search(rowid, key, text) VALUES (new.id, new.key, new.text);
    END""",
)
# PostgreSQL: the row the page cache watches, moved by every transaction that changes messages,
# whoever runs it (any host, psql). It fires at commit (a deferred constraint trigger), once per
# transaction, so the row is always the last lock a writer takes: moved mid-transaction, between
# row locks, it deadlocked writers that take the same rows in another order. A TRUNCATE moves it at once.
POSTGRES_DDL = (
    "CREATE TABLE IF NOT EXISTS data_version (id SERIAL PRIMARY KEY, version BIGINT NOT NULL)",
    """CREATE OR REPLACE FUNCTION messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('messageboard.data_version_moved', true) IS DISTINCT FROM 'yes' THEN
            PERFORM set_config('messageboard.data_version_moved', 'yes', true);  -- for this transaction
            UPDATE data_version SET version = version + 1 WHERE id = 1;
        END IF;
        RETURN NULL;
    END $$""",
    # Constraint triggers have no CREATE OR REPLACE.
    "DROP TRIGGER IF EXISTS messages_changed ON messages",
    """CREATE CONSTRAINT TRIGGER messages_changed
        AFTER INSERT OR UPDATE OR DELETE ON messages
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION messages_changed()""",
    """CREATE OR REPLACE TRIGGER messages_truncated AFTER TRUNCATE ON messages
        FOR EACH STATEMENT EXECUTE FUNCTION messages_changed()""",
    "INSERT INTO data_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
)


def upgrade() -> None:
    """Create the tables, indexes and database's own objects a database lacks of this schema."""
    present = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name in present:
            continue
        create()
        for index, columns in INDEXES.get(name, ()):
            op.create_index(index, name, columns)
        if name == "message_count":
            op.get_bind().exec_driver_sql("INSERT INTO message_count (id, total) VALUES (1, 0)")
    for statement in SQLITE_DDL if op.get_bind().dialect.name == "sqlite" else POSTGRES_DDL:
        op.get_bind().exec_driver_sql(statement)
