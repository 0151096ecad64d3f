"""The tables, and per database the search index and change counter that keep large sites fast."""

from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text, TypeDecorator

from messageboard.core import ADDRESS_MAX_LENGTH, EDITOR_NAME_MAX_LENGTH, KEY_MAX_LENGTH

# 64-bit ids and versions on every database, as SQLite's INTEGER is, so that any revision token
# SQLite accepts PostgreSQL accepts too. SQLite's autoincrement needs the exact type INTEGER.
Id = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime, in every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store aware datetimes as naive UTC."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        """Mark stored naive values as UTC."""
        return value.replace(tzinfo=UTC) if value is not None else None


metadata = MetaData()

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    # Byte order, as SQLite compares, whatever the PostgreSQL database's locale: lists sort alike.
    Column("key", String(KEY_MAX_LENGTH).with_variant(String(KEY_MAX_LENGTH, collation="C"), "postgresql"),
           nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", BigInteger, nullable=False),
    # Ids are never reused, so an edit based on a deleted message cannot land on a new one.
    sqlite_autoincrement=True,
)
# Serves "recently changed first" (ties by key) straight from the index, with no sort step.
Index("ix_messages_updated_at_desc_key", messages.c.updated_at.desc(), messages.c.key)

# The list page shows how many messages there are; counting rows costs time in proportion to
# the table, so the store keeps the count here, in the same transaction as each add and delete.
message_count = Table(
    "message_count",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("total", Integer, nullable=False),
)

# People who may add, edit and delete where anonymous editing is off (`flask editors add`).
editors = Table(
    "editors",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(EDITOR_NAME_MAX_LENGTH), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # A removed editor's id is never given to a new one, whose session it would otherwise open.
    sqlite_autoincrement=True,
)

# Recent failed logins, shared by every worker and host, so that guessing passwords is throttled
# by name and by address wherever the attempts land.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(EDITOR_NAME_MAX_LENGTH), nullable=False),
    Column("address", String(ADDRESS_MAX_LENGTH), nullable=False),
    Column("failed_at", UTCDateTime, nullable=False),
)
Index("ix_login_failures_name", login_failures.c.name, login_failures.c.failed_at)
Index("ix_login_failures_address", login_failures.c.address, login_failures.c.failed_at)

# An FTS5 index with the trigram tokenizer answers case-insensitive substring searches over key
# and text without scanning the table; triggers keep it in step with every write.
SQLITE_SEARCH_INDEX = "messages_search"
SQLITE_SEARCH_DDL = (
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_SEARCH_INDEX}
        USING fts5(key, text, content='messages', content_rowid='id', tokenize='trigram')""",
    f"""CREATE TRIGGER IF NOT EXISTS messages_search_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO {SQLITE_SEARCH_INDEX}(rowid, key, text) VALUES (new.id, new.key, new.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS messages_search_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO {SQLITE_SEARCH_INDEX}({SQLITE_SEARCH_INDEX}, rowid, key, text)
        VALUES ('delete', old.id, old.key, old.text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS messages_search_after_update AFTER UPDATE OF key, text ON messages
    BEGIN
        INSERT INTO {SQLITE_SEARCH_INDEX}({SQLITE_SEARCH_INDEX}, rowid, key, text)
        VALUES ('delete', old.id, old.key, old.text);
        INSERT INTO {SQLITE_SEARCH_INDEX}(rowid, key, text) VALUES (new.id, new.key, new.text);
    END""",
)

# PostgreSQL has no counterpart of SQLite's PRAGMA data_version, which the page cache watches: a
# trigger moves this row's version in every transaction that changes messages, whoever runs it
# (any host, psql). It fires at commit (a deferred constraint trigger), once per transaction, so
# the row is always the last lock a writer takes: moved mid-transaction, between row locks, it
# deadlocked writers that take the same rows in another order. A TRUNCATE moves it at once.
postgres_metadata = MetaData()
data_version = Table(
    "data_version",
    postgres_metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False),
)
POSTGRES_CHANGE_COUNTER_DDL = (
    """CREATE OR REPLACE FUNCTION messages_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('messageboard.data_version_moved', true) IS DISTINCT FROM 'yes' THEN
            PERFORM set_config('messageboard.data_version_moved', 'yes', true);  -- for this transaction
            UPDATE data_version SET version = version + 1 WHERE id = 1;
        END IF;
        RETURN NULL;
    END $$""",
    # Constraint triggers have no CREATE OR REPLACE; this runs in the schema set-up's transaction.
    "DROP TRIGGER IF EXISTS messages_changed ON messages",
    """CREATE CONSTRAINT TRIGGER messages_changed
        AFTER INSERT OR UPDATE OR DELETE ON messages
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION messages_changed()""",
    """CREATE OR REPLACE TRIGGER messages_truncated AFTER TRUNCATE ON messages
        FOR EACH STATEMENT EXECUTE FUNCTION messages_changed()""",
    "INSERT INTO data_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
)
# pg_trgm's GIN indexes answer ILIKE '%...%' over key and text without scanning the table, as
# FTS5's trigram index does on SQLite. The extension is trusted: a database owner may create it.
POSTGRES_SEARCH_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_messages_key_trigram ON messages USING gin (key gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_messages_text_trigram ON messages USING gin (text gin_trgm_ops)",
)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
