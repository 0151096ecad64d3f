"""The tables, and the SQLite full-text index that keeps search fast on large sites."""

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, TypeDecorator

KEY_MAX_LENGTH = 64


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
    Column("id", Integer, primary_key=True),
    Column("key", String(KEY_MAX_LENGTH), nullable=False, unique=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
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

EDITOR_NAME_MAX_LENGTH = 64

# People who may add, edit and delete where anonymous editing is off (`flask editors add`).
editors = Table(
    "editors",
    metadata,
    Column("id", Integer, primary_key=True),
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
    Column("id", Integer, primary_key=True),
    Column("name", String(EDITOR_NAME_MAX_LENGTH), nullable=False),
    Column("address", String(64), nullable=False),
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


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
