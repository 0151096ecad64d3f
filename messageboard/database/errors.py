"""Telling a database that cannot answer now from a bug, and saying why in one line."""

from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError

# What the database raises when it cannot serve a request now (unreachable, restarting, every
# pooled connection busy, SQLite's lock held past the busy timeout), as opposed to a bug: pages
# answer 503 and the next request tries again.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, TimeoutError)


def first_line(error: Exception) -> str:
    """The first line of a database error's own message, without SQLAlchemy's wrapping."""
    return (str(getattr(error, "orig", None) or error).strip().splitlines() or [type(error).__name__])[0]
