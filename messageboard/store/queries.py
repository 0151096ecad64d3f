"""The queries every database shares: read, list, search, add, edit with version checks, and delete
to the trash; each change records its revision in the same transaction.

What only one database does (its search index, its change counter, its DDL) is in
``messageboard.database``'s backend modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from messageboard.core import SEARCH_RESULTS_MAX
from messageboard.database.schema import message_count, message_revisions, messages, trashed_messages, utcnow
from messageboard.database.search import SearchHits
from messageboard.extensions import db
from messageboard.store.models import (
    ANONYMOUS,
    Action,
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
        return find_message(connection, key)


def list_messages(*, page: int = 1, per_page: int = 20, query: str = "", sort: str = "key") -> Page:
    """Return one page of messages matching ``query`` (all if empty), ordered by ``sort``."""
    if sort not in SORT_ORDERS:
        raise ValueError(f"sort must be one of {SORT_ORDERS}")
    with db.reading(snapshot=True) as connection:  # the count and the rows must agree
        if query:
            return _search_page(connection, query, page, per_page, sort)
        total = connection.execute(select(message_count.c.total)).scalar_one()
        offset = offset_of(page, per_page, total)
        statement = listing(None, sort).limit(per_page).offset(offset)
        return Page([_message(row) for row in connection.execute(statement)], page, per_page, total)


def _search_page(connection: Connection, query: str, page: int, per_page: int, sort: str) -> Page:
    """One page of the newest ``SEARCH_RESULTS_MAX`` matches, with whether more match or where the search stopped."""
    # SQLite's MATCH and LIKE read a string only up to a NUL, and no key or text holds one
    # (validation forbids control characters).
    hits = SearchHits([]) if "\x00" in query else db.search(connection, query)
    ids, more = hits.ids[:SEARCH_RESULTS_MAX], len(hits.ids) > SEARCH_RESULTS_MAX
    offset = offset_of(page, per_page, len(ids))
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


def offset_of(page: int, per_page: int, total: int) -> int:
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


def revision_tokens() -> list[tuple[str, str]]:
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


def add_message(key: str, text: str, *, by: str = ANONYMOUS) -> Message:
    """Store a new message added by the editor named ``by``, raising KeyTaken if the key exists."""
    with db.writing() as connection:
        if find_message(connection, key) is not None:
            raise KeyTaken(key)
        try:
            return insert_message(connection, key, text, by=by)
        except IntegrityError:  # another database client added it between the check and here
            raise KeyTaken(key) from None


def update_message(key: str, text: str, *, based_on: str, by: str = ANONYMOUS) -> Message:
    """Replace the text if the message is still at revision ``based_on``, else raise VersionConflict."""
    message_id, version = parse_revision(based_on) or (None, None)
    if not _may_exist(key):
        raise VersionConflict(None)
    with db.writing() as connection:
        changed = change_text(
            connection,
            text,
            by,
            Action.EDIT,
            messages.c.key == key,
            messages.c.id == message_id,
            messages.c.version == version,
        )
        if changed is None:
            raise VersionConflict(find_message(connection, key))
        return changed


def delete_message(key: str, *, by: str = ANONYMOUS) -> None:
    """Move the message to the trash, with a revision saying who deleted it; MessageNotFound if there is none."""
    if not _may_exist(key):
        raise MessageNotFound(key)
    with db.writing() as connection:
        # The row as deleted, whatever an edit committed just before: its latest text goes to the trash.
        row = connection.execute(messages.delete().where(messages.c.key == key).returning(*_COLUMNS)).first()
        if row is None:
            raise MessageNotFound(key)
        now = utcnow()
        deleted = Message(row.id, row.key, row.text, row.created_at, now, row.version + 1)
        connection.execute(
            trashed_messages.insert().values(
                id=deleted.id,
                key=deleted.key,
                text=deleted.text,
                created_at=deleted.created_at,
                updated_at=now,
                version=deleted.version,
                deleted_at=now,
                deleted_by=by,
            )
        )
        record_revision(connection, deleted, by, Action.DELETE)
        change_message_count(connection, -1)


def add_many(pairs: Iterable[tuple[str, str]], *, by: str = ANONYMOUS) -> int:
    """Add many new messages in one transaction (imports, benchmarks), each with its revision; return how many."""
    now = utcnow()
    rows = [{"key": key, "text": text, "created_at": now, "updated_at": now, "version": 1} for key, text in pairs]
    if not rows:
        return 0
    with db.writing() as connection:
        added = connection.execute(messages.insert().returning(messages.c.id, sort_by_parameter_order=True), rows)
        revisions = [
            _revision_row(message_id, 1, row["text"], now, by, Action.ADD)
            for message_id, row in zip(added.scalars(), rows, strict=True)
        ]
        connection.execute(message_revisions.insert(), revisions)
        change_message_count(connection, len(rows))
    return len(rows)


def put_message(key: str, text: str, *, by: str = ANONYMOUS) -> bool:
    """Store the text under the key, adding or replacing; True if it was added."""
    with db.writing() as connection:
        if change_text(connection, text, by, Action.EDIT, messages.c.key == key):
            return False
        try:
            with connection.begin_nested():
                insert_message(connection, key, text, by=by)
            return True
        except IntegrityError:
            # Another client added the key after the UPDATE found nothing (possible on PostgreSQL,
            # whose writers do not queue as SQLite's do); the key is there now, so replace it.
            if change_text(connection, text, by, Action.EDIT, messages.c.key == key):
                return False
            raise


def change_text(connection: Connection, text: str, by: str, action: Action, *where) -> Message | None:
    """Give the message ``where`` selects this text and its next version, recording the revision;
    return it as changed, or None if no message matched."""
    row = connection.execute(
        messages.update()
        .where(*where)
        .values(text=text, updated_at=utcnow(), version=messages.c.version + 1)
        .returning(*_COLUMNS)
    ).first()
    if row is None:
        return None
    changed = _message(row)
    record_revision(connection, changed, by, action)
    return changed


def record_revision(connection: Connection, message: Message, by: str, action: Action) -> None:
    """Write the revision a change left ``message`` at, in the change's transaction."""
    connection.execute(
        message_revisions.insert().values(
            _revision_row(message.id, message.version, message.text, message.updated_at, by, action)
        )
    )


def _revision_row(message_id: int, number: int, text: str, at, by: str, action: Action) -> dict:
    """The values of one row of message_revisions."""
    return {
        "message_id": message_id,
        "number": number,
        "text": text,
        "created_at": at,
        "editor_name": by,
        "action": action.value,
    }


# Built once: constructing a statement costs more than SQLite takes to run it.
_BY_KEY = select(*_COLUMNS).where(messages.c.key == bindparam("key"))


def find_message(connection: Connection, key: str) -> Message | None:
    """The message with this key, read inside the caller's transaction; None if there is none."""
    if not _may_exist(key):
        return None
    row = connection.execute(_BY_KEY, {"key": key}).first()
    return _message(row) if row else None


def _may_exist(key: str) -> bool:
    """Whether a stored key could be ``key``: none holds a NUL (validation forbids control characters),
    and PostgreSQL refuses to even compare one."""
    return "\x00" not in key


def insert_message(connection: Connection, key: str, text: str, *, by: str = ANONYMOUS) -> Message:
    """Insert a new message inside the caller's write transaction, counting it and recording its revision."""
    now = utcnow()
    result = connection.execute(messages.insert().values(key=key, text=text, created_at=now, updated_at=now, version=1))
    change_message_count(connection, +1)
    added = Message(result.inserted_primary_key[0], key, text, now, now, 1)
    record_revision(connection, added, by, Action.ADD)
    return added


def change_message_count(connection: Connection, delta: int) -> None:
    """Add ``delta`` to the stored count of messages, inside the caller's write transaction."""
    connection.execute(message_count.update().values(total=message_count.c.total + delta))
