"""Deleted messages: the trash, newest deletion first, bringing one back whole (under its key or
another) and purging those deleted long enough ago, with their revisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from messageboard.core import INTEGER_MAX, KEY_MAX_LENGTH
from messageboard.database.schema import message_revisions, messages, trashed_messages, utcnow
from messageboard.extensions import db
from messageboard.store.models import ANONYMOUS, Action, KeyTaken, Message, TrashedMessage, TrashedMessageNotFound
from messageboard.store.pages import Page
from messageboard.store.queries import change_message_count, find_message, offset_of, record_revision

_COLUMNS = (
    trashed_messages.c.id,
    trashed_messages.c.key,
    trashed_messages.c.text,
    trashed_messages.c.created_at,
    trashed_messages.c.updated_at,
    trashed_messages.c.version,
    trashed_messages.c.deleted_at,
    trashed_messages.c.deleted_by,
)
_NEWEST_FIRST = (trashed_messages.c.deleted_at.desc(), trashed_messages.c.id.desc())
# A key suggested for a message whose own key was taken meanwhile: "<key>-restored", then "-restored-2"...
_SUGGESTION_SUFFIX, _SUGGESTIONS = "-restored", 20


def list_trash(*, page: int = 1, per_page: int = 20) -> Page:
    """One page of the deleted messages (``TrashedMessage``s), the latest deleted first."""
    with db.reading(snapshot=True) as connection:  # the count and the rows must agree
        total = connection.execute(select(func.count()).select_from(trashed_messages)).scalar_one()
        statement = select(*_COLUMNS).order_by(*_NEWEST_FIRST).limit(per_page).offset(offset_of(page, per_page, total))
        rows = connection.execute(statement).all()
        counts = _revision_counts(connection, [row.id for row in rows])
        return Page([_trashed(row, counts[row.id]) for row in rows], page, per_page, total)


def get_trashed(message_id: int) -> TrashedMessage:
    """The deleted message with this id; TrashedMessageNotFound if the trash holds none."""
    with db.reading(snapshot=True) as connection:
        return _find_trashed(connection, message_id)


def undelete_message(message_id: int, *, key: str | None = None, by: str = ANONYMOUS) -> Message:
    """Bring a deleted message back with its id and revisions, under ``key`` (by default its own),
    recording the undelete; KeyTaken if another message has that key now, TrashedMessageNotFound if
    the trash does not hold it (restored or purged meanwhile)."""
    with db.writing() as connection:
        trashed = _find_trashed(connection, message_id)
        key = trashed.message.key if key is None else key
        if find_message(connection, key) is not None:
            raise KeyTaken(key)
        now = utcnow()
        deleted = connection.execute(trashed_messages.delete().where(trashed_messages.c.id == message_id))
        if deleted.rowcount != 1:  # PostgreSQL: another restore or a purge took it after the read
            raise TrashedMessageNotFound(message_id)
        kept = trashed.message
        restored = Message(kept.id, key, kept.text, kept.created_at, now, kept.version + 1)
        try:
            connection.execute(
                messages.insert().values(
                    id=restored.id,
                    key=key,
                    text=restored.text,
                    created_at=restored.created_at,
                    updated_at=now,
                    version=restored.version,
                )
            )
        except IntegrityError:  # another database client added the key between the check and here
            raise KeyTaken(key) from None
        change_message_count(connection, +1)
        record_revision(connection, restored, by, Action.UNDELETE)
        return restored


def suggested_key(key: str) -> str | None:
    """A free key for restoring a message whose key ``key`` is taken: "<key>-restored", "-restored-2"...;
    None if all of them are taken too."""
    stem = key[: KEY_MAX_LENGTH - len(_SUGGESTION_SUFFIX) - len(f"-{_SUGGESTIONS}")] + _SUGGESTION_SUFFIX
    candidates = [stem] + [f"{stem}-{number}" for number in range(2, _SUGGESTIONS + 1)]
    with db.reading() as connection:
        taken = set(connection.execute(select(messages.c.key).where(messages.c.key.in_(candidates))).scalars())
    return next((candidate for candidate in candidates if candidate not in taken), None)


def trash_deleted_before(moment: datetime) -> list[TrashedMessage]:
    """Every message deleted before ``moment``, the latest deleted first (what a purge would remove)."""
    with db.reading(snapshot=True) as connection:
        rows = connection.execute(
            select(*_COLUMNS).where(trashed_messages.c.deleted_at < moment).order_by(*_NEWEST_FIRST)
        ).all()
        counts = _revision_counts(connection, [row.id for row in rows])
        return [_trashed(row, counts[row.id]) for row in rows]


def purge_trash(message_ids: list[int], *, deleted_before: datetime) -> tuple[int, int]:
    """Remove for good those of these deleted messages still in the trash and deleted before
    ``deleted_before``, with their revisions; return how many messages and revisions went."""
    with db.writing() as connection:
        purged = connection.execute(
            trashed_messages.delete()
            .where(trashed_messages.c.id.in_(message_ids), trashed_messages.c.deleted_at < deleted_before)
            .returning(trashed_messages.c.id)
        ).scalars()
        ids = list(purged)
        if not ids:
            return 0, 0
        revisions = connection.execute(message_revisions.delete().where(message_revisions.c.message_id.in_(ids)))
        return len(ids), revisions.rowcount


def _find_trashed(connection: Connection, message_id: int) -> TrashedMessage:
    """The trashed row with this id, read in the caller's transaction; TrashedMessageNotFound if none."""
    if not 1 <= message_id <= INTEGER_MAX:  # PostgreSQL refuses to compare a BIGINT with more
        raise TrashedMessageNotFound(message_id)
    row = connection.execute(select(*_COLUMNS).where(trashed_messages.c.id == message_id)).first()
    if row is None:
        raise TrashedMessageNotFound(message_id)
    return _trashed(row, _revision_counts(connection, [message_id])[message_id])


def _revision_counts(connection: Connection, message_ids: list[int]) -> dict[int, int]:
    """How many revisions each of these messages has."""
    of_messages = message_revisions.c.message_id.in_(message_ids)
    rows = connection.execute(
        select(message_revisions.c.message_id, func.count()).where(of_messages).group_by(message_revisions.c.message_id)
    )
    return {message_id: 0 for message_id in message_ids} | {message_id: count for message_id, count in rows}


def _trashed(row, revisions: int) -> TrashedMessage:
    """The TrashedMessage a row of _COLUMNS holds."""
    return TrashedMessage(Message(*row[:6]), row.deleted_at, row.deleted_by, revisions)
