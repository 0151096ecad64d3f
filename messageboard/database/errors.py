"""Telling a database that cannot answer now from a bug, and saying why in one line."""

import threading

from sqlalchemy.exc import DatabaseError, InterfaceError, OperationalError, TimeoutError

# What the database raises when it cannot serve a request now (unreachable, restarting, every
# pooled connection busy, SQLite's lock held past the busy timeout, an SQLite file that is damaged
# or not a database), as opposed to a bug: pages answer 503 and the next request tries again.
# DatabaseError counts only as itself (SQLite's bare error for a damaged file): its subclasses
# IntegrityError, ProgrammingError, DataError... report bugs, which is_unavailable tells apart.
_TRANSIENT_ERRORS = (OperationalError, InterfaceError, TimeoutError)
UNAVAILABLE_ERRORS = (*_TRANSIENT_ERRORS, DatabaseError)


def is_unavailable(error: Exception) -> bool:
    """Whether ``error``, caught as one of UNAVAILABLE_ERRORS, is the database failing, not a bug."""
    return isinstance(error, _TRANSIENT_ERRORS) or is_damaged_file(error)


def is_damaged_file(error: Exception) -> bool:
    """Whether ``error`` says the database is not one SQLite can read (damaged, or another file)."""
    return type(error) is DatabaseError


def first_line(error: Exception) -> str:
    """The first line of a database error's own message, without SQLAlchemy's wrapping."""
    return (str(getattr(error, "orig", None) or error).strip().splitlines() or [type(error).__name__])[0]


class Outages:
    """What one process last logged of its database not answering, so that an outage is logged once
    per cause, not once per request, and its end once, with how many requests it failed.

    A cause ends when the kind of work it failed answers again: a read ends what reads met, a
    write ends everything. So a lock that only writers wait for is logged once, however many pages
    are read meanwhile.
    """

    def __init__(self):
        # Each cause logged: the work it failed ("reading" or "writing") and the requests it failed since.
        self.causes: dict[str, list] = {}
        self._lock = threading.Lock()  # threaded servers (Waitress, mod_wsgi) share one

    def failure(self, error: Exception) -> str | None:
        """Count a request the database failed; return its cause if it is new (log it), else None."""
        cause = first_line(error)
        with self._lock:
            if cause in self.causes:
                self.causes[cause][1] += 1
                return None
            self.causes[cause] = [getattr(error, FAILED_WORK, READING), 1]
            return cause

    def answered(self, work: str) -> list[tuple[str, int]]:
        """Note that ``work`` succeeded; return the causes that ended, each with the requests it failed."""
        with self._lock:
            ended = [(cause, count) for cause, (failed, count) in self.causes.items() if work in (failed, WRITING)]
            for cause, _ in ended:
                del self.causes[cause]
            return ended


# The attribute Database.reading and Database.writing set on an error, to say which work failed.
FAILED_WORK = "messageboard_failed_work"
READING, WRITING = "reading", "writing"
