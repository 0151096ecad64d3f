"""A message's history: its revisions, newest first, one of them, and restoring one's text."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from messageboard.core import INTEGER_MAX
from messageboard.database.schema import message_revisions, messages
from messageboard.extensions import db
from messageboard.store.models import (
    ANONYMOUS,
    Action,
    Message,
    MessageNotFound,
    Revision,
    RevisionNotFound,
    VersionConflict,
    parse_revision,
    revision_token,
)
from messageboard.store.pages import Page
from messageboard.store.queries import change_text, find_message, offset_of

_COLUMNS = (
    message_revisions.c.message_id,
    message_revisions.c.number,
    message_revisions.c.text,
    message_revisions.c.created_at,
    message_revisions.c.editor_name,
    message_revisions.c.action,
)


def _revision(row) -> Revision:
    """The Revision a row of _COLUMNS holds."""
    return Revision(*row[:5], Action(row.action))


def message_history(key: str, *, page: int = 1, per_page: int = 50) -> tuple[Message, Page]:
    """The message and one page of its revisions, newest first; MessageNotFound if there is none."""
    with db.reading(snapshot=True) as connection:  # the message, the count and the rows must agree
        message = _existing(connection, key)
        of_message = message_revisions.c.message_id == message.id
        total = connection.execute(select(func.count()).select_from(message_revisions).where(of_message)).scalar_one()
        newest_first = (
            select(*_COLUMNS)
            .where(of_message)
            .order_by(message_revisions.c.number.desc())
            .limit(per_page)
            .offset(offset_of(page, per_page, total))
        )
        return message, Page([_revision(row) for row in connection.execute(newest_first)], page, per_page, total)


def revision_numbers() -> list[tuple[str, str, list[int]]]:
    """Every message's key, revision token and revision numbers (oldest first), in key order: what a
    static export holds of each history."""
    with db.reading(snapshot=True) as connection:
        rows = connection.execute(
            select(messages.c.key, messages.c.id, messages.c.version, message_revisions.c.number)
            .outerjoin(message_revisions, message_revisions.c.message_id == messages.c.id)
            .order_by(messages.c.key, message_revisions.c.number)
        )
        numbers: dict[str, tuple[str, list[int]]] = {}
        for key, message_id, version, number in rows:
            _, kept = numbers.setdefault(key, (revision_token(message_id, version), []))
            if number is not None:
                kept.append(number)
        return [(key, token, kept) for key, (token, kept) in numbers.items()]


def get_revisions(key: str, *numbers: int) -> tuple[Message, list[Revision]]:
    """The message and its revisions ``numbers``, in that order; MessageNotFound or RevisionNotFound."""
    with db.reading(snapshot=True) as connection:
        message = _existing(connection, key)
        return message, [_revision_of(connection, message.id, number) for number in numbers]


def latest_revision(message: Message) -> Revision | None:
    """The revision the message is at (who changed it last, and how); None only for a message the
    store did not write (a row added by hand)."""
    with db.reading() as connection:
        try:
            return _revision_of(connection, message.id, message.version)
        except RevisionNotFound:
            return None


def restore_revision(key: str, number: int, *, based_on: str, by: str = ANONYMOUS) -> Message:
    """Save revision ``number``'s text as the message's next revision, if the message is still at
    ``based_on`` (VersionConflict otherwise, like an edit); RevisionNotFound if it has no such revision."""
    message_id, version = parse_revision(based_on) or (None, None)
    with db.writing() as connection:
        current = find_message(connection, key)
        if current is None or (current.id, current.version) != (message_id, version):
            raise VersionConflict(current)
        text = _revision_of(connection, current.id, number).text
        at_current = (messages.c.id == current.id, messages.c.version == current.version)
        restored = change_text(connection, text, by, Action.RESTORE, *at_current)
        if restored is None:  # PostgreSQL: another writer saved between the read and here
            raise VersionConflict(find_message(connection, key))
        return restored


def _existing(connection: Connection, key: str) -> Message:
    """The message with this key; MessageNotFound if there is none."""
    message = find_message(connection, key)
    if message is None:
        raise MessageNotFound(key)
    return message


def _revision_of(connection: Connection, message_id: int, number: int) -> Revision:
    """Revision ``number`` of the message; RevisionNotFound if it has none of that number."""
    if not 1 <= number <= INTEGER_MAX:  # PostgreSQL refuses to compare a BIGINT with more
        raise RevisionNotFound(number)
    row = connection.execute(
        select(*_COLUMNS).where(message_revisions.c.message_id == message_id, message_revisions.c.number == number)
    ).first()
    if row is None:
        raise RevisionNotFound(number)
    return _revision(row)
