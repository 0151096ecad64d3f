"""The tables every database has; each backend module adds its own search index and change counter."""

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

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
# Byte order, as SQLite compares, whatever the PostgreSQL database's locale: lists sort alike.
_KEY_TYPE = String(KEY_MAX_LENGTH).with_variant(String(KEY_MAX_LENGTH, collation="C"), "postgresql")

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("key", _KEY_TYPE, nullable=False, unique=True),
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

# Each login, from the login until it ends: logging out, `flask editors logout` or a password
# change end it here, so a copy of its cookie opens nothing on any worker or host. The cookie
# holds a random token; only the token's SHA-256 is stored. Ended logins are kept until
# SESSION_MAX_AGE after they began: the addresses an editor logged in from are known to the
# throttle.
login_sessions = Table(
    "login_sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("editor_id", Id, nullable=False),
    Column("address", String(ADDRESS_MAX_LENGTH), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    sqlite_autoincrement=True,
)
Index("ix_login_sessions_editor_id", login_sessions.c.editor_id, login_sessions.c.address)
Index("ix_login_sessions_started_at", login_sessions.c.started_at)

# Logins that failed or whose password is being checked, shared by every worker and host, so that
# guessing passwords is throttled by name and by address wherever the attempts land. A row is
# written before the password check and removed when the check succeeds.
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


# Every login whose password was checked, and how it ended ("logged in", "wrong password", "unknown
# name"): what `flask editors log` prints. Logins the throttle refused are not written, so guessing
# grows this table no faster than the throttle lets passwords be checked; rows older than
# LOGIN_LOG_DAYS are removed as new ones are written.
login_events = Table(
    "login_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(EDITOR_NAME_MAX_LENGTH), nullable=False),
    Column("address", String(ADDRESS_MAX_LENGTH), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("outcome", String(16), nullable=False),
)
Index("ix_login_events_at", login_events.c.at)


# Every version of every message: each change (add, edit, restore, delete, undelete) writes one in
# the same transaction as the change, numbered as the message's version after it, so a revision
# token names both. The first upgrade gave each message it found one revision ("import").
message_revisions = Table(
    "message_revisions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("message_id", Id, nullable=False),
    Column("number", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The editor's name as it was then; "anonymous" where anonymous editing made the change, and
    # None for the revisions the first upgrade imported, whose author nobody recorded.
    Column("editor_name", String(EDITOR_NAME_MAX_LENGTH), nullable=True),
    Column("action", String(16), nullable=False),
    UniqueConstraint("message_id", "number", name="uq_message_revisions_message_id_number"),
    # No AUTOINCREMENT: nothing refers to a revision's id, and SQLite's would write its counter on every change.
)

# Deleted messages, with their ids kept, so that their revisions stay theirs and a restore brings
# them back whole; their keys are free for new messages (which get new ids) meanwhile.
trashed_messages = Table(
    "trashed_messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("key", _KEY_TYPE, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("deleted_at", UTCDateTime, nullable=False),
    Column("deleted_by", String(EDITOR_NAME_MAX_LENGTH), nullable=False),
)
Index("ix_trashed_messages_deleted_at", trashed_messages.c.deleted_at)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)
