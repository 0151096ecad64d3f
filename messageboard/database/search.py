"""What every database shares of search: the substring condition, and reading the newest messages first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from messageboard.core import SEARCH_RESULTS_MAX
from messageboard.database.schema import messages


@dataclass(frozen=True)
class SearchHits:
    """What one search found, and where it stopped."""

    # The matches' ids, newest first: one past SEARCH_RESULTS_MAX at most.
    ids: list[int]
    # If the search stopped before the oldest messages, the newest one it did not read.
    unsearched_from: int | None = None


def substring_condition(query: str):
    """A WHERE clause matching messages whose key or text contains ``query`` in any case, by ILIKE."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(messages.c.key.ilike(pattern, escape="\\"), messages.c.text.ilike(pattern, escape="\\"))


def newest_beyond(connection: Connection, count: int) -> int | None:
    """The id of the message just older than the ``count`` newest, or None if there are no more."""
    return connection.execute(select(messages.c.id).order_by(messages.c.id.desc()).offset(count).limit(1)).scalar()


def newest_matches(connection: Connection, condition, beyond: int | None) -> SearchHits:
    """Search the messages newer than ``beyond`` (all if None) for ``condition``, newest first."""
    statement = select(messages.c.id).where(condition)
    if beyond is not None:
        statement = statement.where(messages.c.id > beyond)
    statement = statement.order_by(messages.c.id.desc()).limit(SEARCH_RESULTS_MAX + 1)
    return SearchHits(list(connection.execute(statement).scalars()), beyond)
