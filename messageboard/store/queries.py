"""The queries every database shares: read, list, search, add, edit with version checks, and delete.

What only one database does (its search index, its change counter, its DDL) is in
``messageboard.database``'s backend modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from messageboard.core import SEARCH_RESULTS_MAX
from messageboard.database.schema import message_count, messages, utcnow
from messageboard.database.search import SearchHits
from messageboard.extensions import db
from messageboard.store.models import (
    KeyTaken,
    Message,
    MessageNotFound,
    PageNotFound,
    VersionConflict,
    parse_revision,
    revision_token,
)
from messageboard.store.pages import Page, page_count

SORT_ORDERS = ("key", "updated")

_COLUMNS = (
    messages.c.id,
    messages.c.key,
    messages.c.text,
    messages.c.created_at,
    messages.c.updated_at,
    messages.c.version,
)


def _message(row) -> Message:
    """The Message a row of _COLUMNS holds."""
    return Message(*row)


def get_message(key: str) -> Message | None:
    """Return the message with this key, or None."""
    with db.reading() as connection:
        return _get(connection, key)


def list_messages(*, page: int = 1, per_page: int = 20, query: str = "", sort: str = "key") -> Page:
    """Return one page of messages matching ``query`` (all if empty), ordered by ``sort``."""
    if sort not in SORT_ORDERS:
        raise ValueError(f"sort must be one of {SORT_ORDERS}")
    with db.reading(snapshot=True) as connection:  # the count and the rows must agree
        if query:
            return _search_page(connection, query, page, per_page, sort)
        total = connection.execute(select(message_count.c.total)).scalar_one()
        offset = _offset(page, per_page, total)
        statement = listing(None, sort).limit(per_page).offset(offset)
        return Page([_message(row) for row in connection.execute(statement)], page, per_page, total)


def _search_page(connection: Connection, query: str, page: int, per_page: int, sort: str) -> Page:
    """One page of the newest ``SEARCH_RESULTS_MAX`` matches, with whether more match or where the search stopped."""
    # SQLite's MATCH and LIKE read a string only up to a NUL, and no key or text holds one
    # (validation forbids control characters).
    hits = SearchHits([]) if "\x00" in query else db.search(connection, query)
    ids, more = hits.ids[:SEARCH_RESULTS_MAX], len(hits.ids) > SEARCH_RESULTS_MAX
    offset = _offset(page, per_page, len(ids))
    # Sorted here, as listing() orders (keys by code point, which is byte order in UTF-8): a database
    # may walk a whole index to order a few rows, and sorting whole rows would read each text again.
    hits_in_order = sorted(connection.execute(select(*_SORTED_BY).where(messages.c.id.in_(ids))), key=attrgetter("key"))
    if sort == "updated":
        hits_in_order.sort(key=attrgetter("updated_at"), reverse=True)
    shown = [row.id for row in hits_in_order[offset : offset + per_page]]
    rows = {row.id: _message(row) for row in connection.execute(select(*_COLUMNS).where(messages.c.id.in_(shown)))}
    items = [rows[message_id] for message_id in shown]
    searched_back_to = None
    if not more and hits.unsearched_from is not None:
        oldest = select(*_COLUMNS).where(messages.c.id > hits.unsearched_from).order_by(messages.c.id).limit(1)
        searched_back_to = _message(connection.execute(oldest).one())
    return Page(items, page, per_page, len(ids), more=more, searched_back_to=searched_back_to)


_SORTED_BY = (messages.c.id, messages.c.key, messages.c.updated_at)


def _offset(page: int, per_page: int, total: int) -> int:
    """The rows before page ``page`` of a listing of ``total``; PageNotFound past its last page."""
    if not 1 <= page <= page_count(total, per_page):
        raise PageNotFound(page)
    return (page - 1) * per_page


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
        rows = connection.execute(
            select(messages.c.key, func.substr(messages.c.text, 1, length)).order_by(messages.c.key)
        )
        return [tuple(row) for row in rows]


def add_message(key: str, text: str) -> Message:
    """Store a new message, raising KeyTaken if the key exists."""
    with db.writing() as connection:
        if _get(connection, key) is not None:
            raise KeyTaken(key)
        try:
            return insert_message(connection, key, text)
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
    rows = [{"key": key, "text": text, "created_at": now, "updated_at": now, "version": 1} for key, text in pairs]
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
                insert_message(connection, key, text)
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


def insert_message(connection: Connection, key: str, text: str) -> Message:
    """Insert a new message inside the caller's write transaction, counting it."""
    now = utcnow()
    result = connection.execute(messages.insert().values(key=key, text=text, created_at=now, updated_at=now, version=1))
    _change_count(connection, +1)
    return Message(result.inserted_primary_key[0], key, text, now, now, 1)


def _change_count(connection: Connection, delta: int) -> None:
    connection.execute(message_count.update().values(total=message_count.c.total + delta))
