"""Messages in the database: read, list, search, add, edit with version checks, and delete."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Connection, Integer, MetaData, Table, Text, bindparam, false, func, inspect, or_, select
from sqlalchemy.exc import IntegrityError

from messageboard.core import stored_number
from messageboard.extensions import db
from messageboard.schema import SQLITE_SEARCH_INDEX, message_count, messages, metadata, utcnow

DEFAULT_KEY = "default"
DEFAULT_TEXT = "Hello to the World of Flask!"
SORT_ORDERS = ("key", "updated")
# The trigram index matches runs of three or more characters; shorter searches scan the table.
TRIGRAM_LENGTH = 3

_sqlite_search = Table(SQLITE_SEARCH_INDEX, MetaData(), Column("rowid", Integer),
                       Column(SQLITE_SEARCH_INDEX, Text))


@dataclass(frozen=True)
class Message:
    """One stored message."""

    id: int
    key: str
    text: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def revision(self) -> str:
        """A token naming this version of this message; a key deleted and added again gets new ones."""
        return revision_token(self.id, self.version)


def revision_token(message_id: int, version: int) -> str:
    """The revision token of a message's id and version, as edit forms carry it."""
    return f"{message_id}.{version}"


def parse_revision(token: str) -> tuple[int, int] | None:
    """Return the (id, version) a revision token names, or None if it is not one a database could hold."""
    message_id, dot, version = (token or "").partition(".")
    message_id, version = stored_number(message_id), stored_number(version)
    if not dot or message_id is None or version is None:
        return None
    return message_id, version


def page_count(total: int, per_page: int) -> int:
    """How many pages a listing of ``total`` messages has at ``per_page`` a page; an empty one still has page 1."""
    return max(1, math.ceil(total / per_page))


@dataclass(frozen=True)
class Page:
    """One page of a listing, with what page links need."""

    items: list[Message]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the listing has; an empty listing still has page 1."""
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages

    def numbers_to_link(self, around: int = 2) -> list[int | None]:
        """Page numbers to show: first, last and ``around`` either side of this one; None for a gap."""
        shown = sorted({1, self.pages, *range(max(1, self.number - around),
                                              min(self.pages, self.number + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers


class KeyTaken(Exception):
    """A message with this key already exists."""


class MessageNotFound(LookupError):
    """No message has this key."""


class PageNotFound(LookupError):
    """The requested page is past the last page."""


class VersionConflict(Exception):
    """The message changed (or was deleted) since the version an edit was based on."""

    def __init__(self, current: Message | None):
        super().__init__("the message changed since it was read")
        self.current = current


_COLUMNS = (messages.c.id, messages.c.key, messages.c.text, messages.c.created_at, messages.c.updated_at,
            messages.c.version)


def _message(row) -> Message:
    return Message(*row)


def create_schema() -> bool:
    """Create the tables and indexes if missing, seeding the default message; True if new."""
    with db.creating_schema() as connection:
        is_new = not inspect(connection).has_table(messages.name)
        metadata.create_all(connection, checkfirst=True)
        db.create_backend_schema(connection)
        if is_new:
            connection.execute(message_count.insert().values(id=1, total=0))
            _insert(connection, DEFAULT_KEY, DEFAULT_TEXT)
    return is_new


def schema_exists() -> bool:
    """Whether every table is there, the database's own ones too: one look, no lock and no DDL,
    so that a role that may only read and write (an export's, say) can start the app."""
    with db.reading() as connection:
        present = set(inspect(connection).get_table_names())
    return {table.name for table in metadata.sorted_tables} | set(db.backend_tables()) <= present


def get_message(key: str) -> Message | None:
    """Return the message with this key, or None."""
    with db.reading() as connection:
        return _get(connection, key)


def list_messages(*, page: int = 1, per_page: int = 20, query: str = "", sort: str = "key") -> Page:
    """Return one page of messages matching ``query`` (all if empty), ordered by ``sort``."""
    with db.reading(snapshot=True) as connection:  # the count and the rows must agree
        condition = _search_condition(connection, query) if query else None
        if condition is None:
            total = connection.execute(select(message_count.c.total)).scalar_one()
        else:
            total = connection.execute(select(func.count()).select_from(messages).where(condition)).scalar_one()
        if not 1 <= page <= Page([], page, per_page, total).pages:
            raise PageNotFound(page)
        statement = listing(condition, sort).limit(per_page).offset((page - 1) * per_page)
        return Page([_message(row) for row in connection.execute(statement)], page, per_page, total)


def listing(condition=None, sort: str = "key"):
    """Return the SELECT of messages matching ``condition`` in ``sort`` order, which an index serves."""
    if sort not in SORT_ORDERS:
        raise ValueError(f"sort must be one of {SORT_ORDERS}")
    order = (messages.c.key,) if sort == "key" else (messages.c.updated_at.desc(), messages.c.key)
    statement = select(*_COLUMNS).order_by(*order)
    return statement if condition is None else statement.where(condition)


def revisions() -> list[tuple[str, str]]:
    """Every message's key and revision token, in key order (what a static export depends on)."""
    with db.reading() as connection:
        rows = connection.execute(select(messages.c.key, messages.c.id, messages.c.version).order_by(messages.c.key))
        return [(key, revision_token(message_id, version)) for key, message_id, version in rows]


def excerpts(length: int) -> list[tuple[str, str]]:
    """Every message's key and the first ``length`` characters of its text, in key order."""
    with db.reading() as connection:
        rows = connection.execute(select(messages.c.key, func.substr(messages.c.text, 1, length))
                                  .order_by(messages.c.key))
        return [tuple(row) for row in rows]


def add_message(key: str, text: str) -> Message:
    """Store a new message, raising KeyTaken if the key exists."""
    with db.writing() as connection:
        if _get(connection, key) is not None:
            raise KeyTaken(key)
        try:
            return _insert(connection, key, text)
        except IntegrityError:  # another database client added it between the check and here
            raise KeyTaken(key) from None


def update_message(key: str, text: str, *, based_on: str) -> Message:
    """Replace the text if the message is still at revision ``based_on``, else raise VersionConflict."""
    message_id, version = parse_revision(based_on) or (None, None)
    if not _may_exist(key):
        raise VersionConflict(None)
    with db.writing() as connection:
        result = connection.execute(
            messages.update()
            .where(messages.c.key == key, messages.c.id == message_id, messages.c.version == version)
            .values(text=text, updated_at=utcnow(), version=messages.c.version + 1)
        )
        current = _get(connection, key)
        if result.rowcount != 1:
            raise VersionConflict(current)
        return current


def delete_message(key: str) -> None:
    """Delete the message, raising MessageNotFound if there is none."""
    if not _may_exist(key):
        raise MessageNotFound(key)
    with db.writing() as connection:
        result = connection.execute(messages.delete().where(messages.c.key == key))
        if result.rowcount != 1:
            raise MessageNotFound(key)
        _change_count(connection, -1)


def add_many(pairs: Iterable[tuple[str, str]]) -> int:
    """Add many new messages in one transaction (imports, benchmarks); return how many."""
    now = utcnow()
    rows = [{"key": key, "text": text, "created_at": now, "updated_at": now, "version": 1}
            for key, text in pairs]
    if not rows:
        return 0
    with db.writing() as connection:
        connection.execute(messages.insert(), rows)
        _change_count(connection, len(rows))
    return len(rows)


def put_message(key: str, text: str) -> bool:
    """Store the text under the key, adding or replacing; True if it was added."""
    with db.writing() as connection:
        if _replace(connection, key, text):
            return False
        try:
            with connection.begin_nested():
                _insert(connection, key, text)
            return True
        except IntegrityError:
            # Another client added the key after the UPDATE found nothing (possible on PostgreSQL,
            # whose writers do not queue as SQLite's do); the key is there now, so replace it.
            if _replace(connection, key, text):
                return False
            raise


def _replace(connection: Connection, key: str, text: str) -> bool:
    """Replace the text of the message with this key; True if there was one."""
    result = connection.execute(
        messages.update()
        .where(messages.c.key == key)
        .values(text=text, updated_at=utcnow(), version=messages.c.version + 1)
    )
    return result.rowcount == 1


# Built once: constructing a statement costs more than SQLite takes to run it.
_BY_KEY = select(*_COLUMNS).where(messages.c.key == bindparam("key"))


def _get(connection: Connection, key: str) -> Message | None:
    if not _may_exist(key):
        return None
    row = connection.execute(_BY_KEY, {"key": key}).first()
    return _message(row) if row else None


def _may_exist(key: str) -> bool:
    """Whether a stored key could be ``key``: none holds a NUL (validation forbids control characters),
    and PostgreSQL refuses to even compare one."""
    return "\x00" not in key


def _insert(connection: Connection, key: str, text: str) -> Message:
    now = utcnow()
    result = connection.execute(messages.insert().values(key=key, text=text, created_at=now,
                                                         updated_at=now, version=1))
    _change_count(connection, +1)
    return Message(result.inserted_primary_key[0], key, text, now, now, 1)


def _change_count(connection: Connection, delta: int) -> None:
    connection.execute(message_count.update().values(total=message_count.c.total + delta))


def _search_condition(connection: Connection, query: str):
    """Return a WHERE clause matching messages whose key or text contains ``query``, any case."""
    if "\x00" in query:
        # SQLite's MATCH and LIKE read a string only up to a NUL, and no key or text holds one
        # (validation forbids control characters).
        return false()
    if connection.dialect.name == "sqlite" and len(query) >= TRIGRAM_LENGTH:
        phrase = '"' + query.replace('"', '""') + '"'
        return messages.c.id.in_(
            select(_sqlite_search.c.rowid).where(_sqlite_search.c[SQLITE_SEARCH_INDEX].op("MATCH")(phrase))
        )
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(messages.c.key.ilike(pattern, escape="\\"), messages.c.text.ilike(pattern, escape="\\"))
