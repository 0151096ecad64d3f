"""Failed logins slow guessing down without locking editors out.

Each login first takes a place: a row in ``login_failures``, removed when the password matches. So
parallel guesses are counted exactly, and a check in progress counts as a failure. Every write to
the table runs in a transaction no other login's runs beside (on every worker and host): counting
needs it, and two logins of one name and address clearing their failures at once would otherwise
each wait for the row the other deleted, a deadlock PostgreSQL ends by failing one of them. A place is
refused, with the seconds to wait, when within LOGIN_FAILURE_WINDOW:

- this name failed LOGIN_MAX_FAILURES times from this address (one attacker, one editor), or
- this address failed LOGIN_ADDRESS_MAX_FAILURES times, whatever the names, or
- this name failed LOGIN_NAME_MAX_FAILURES times from anywhere: then each further try waits 1 s
  after the name's last failure, twice as long after each failure more, at most LOGIN_NAME_MAX_DELAY.
  An address the editor logged in from within SESSION_MAX_AGE is spared this wait.

Refused logins count for nothing, so waiting is never renewed by asking again; an attacker at one
address never makes the editor wait at another.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, insert, select

from messageboard.auth import sessions
from messageboard.core import ADDRESS_MAX_LENGTH, EDITOR_NAME_MAX_LENGTH
from messageboard.database import LOGIN_ATTEMPTS_LOCK
from messageboard.database.schema import login_failures, utcnow
from messageboard.extensions import db


@dataclass(frozen=True)
class LoginsWait(Exception):
    """A login may not be tried yet: ``seconds`` to wait, ``reason`` says what failed too often."""

    seconds: int
    reason: str


def take_place(name: str, address: str) -> int:
    """Count a login of ``name`` from ``address`` as failed until it succeeds; return its place.

    Raise LoginsWait instead if too many failed before it.
    """
    name, address = name[:EDITOR_NAME_MAX_LENGTH], address[:ADDRESS_MAX_LENGTH]
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_FAILURE_WINDOW"])
    now = utcnow()
    since = now - window
    with db.writing(alone=LOGIN_ATTEMPTS_LOCK) as connection:
        connection.execute(delete(login_failures).where(login_failures.c.failed_at < since))
        waits = [
            (
                _wait_for_count(
                    connection, and_(_by_name(name), _by_address(address)), config["LOGIN_MAX_FAILURES"], now, window
                ),
                "for this name from this address",
            ),
            (
                _wait_for_count(connection, _by_address(address), config["LOGIN_ADDRESS_MAX_FAILURES"], now, window),
                "from this address",
            ),
            (_wait_for_name(connection, name, address, now), "for this name"),
        ]
        seconds, reason = max(waits)
        if not seconds:
            return connection.execute(
                insert(login_failures).values(name=name, address=address, failed_at=now).returning(login_failures.c.id)
            ).scalar_one()
    raise LoginsWait(seconds, reason)


def succeeded(place: int, name: str, address: str) -> None:
    """The password matched: forget the place and the failures of this name from this address."""
    name, address = name[:EDITOR_NAME_MAX_LENGTH], address[:ADDRESS_MAX_LENGTH]
    with db.writing(alone=LOGIN_ATTEMPTS_LOCK) as connection:
        connection.execute(delete(login_failures).where(login_failures.c.id == place))
        connection.execute(delete(login_failures).where(_by_name(name), _by_address(address)))


def _by_name(name: str):
    return login_failures.c.name == name


def _by_address(address: str):
    return login_failures.c.address == address


def _wait_for_count(connection, condition, limit: int, now: datetime, window: timedelta) -> int:
    """Seconds until the failures matching ``condition`` in the window are fewer than ``limit``."""
    # The failure that, once it leaves the window, brings the count below the limit.
    freeing = connection.execute(
        select(login_failures.c.failed_at)
        .where(condition)
        .order_by(login_failures.c.failed_at.desc())
        .offset(limit - 1)
        .limit(1)
    ).scalar_one_or_none()
    return 0 if freeing is None else _seconds_until(freeing + window, now)


def _wait_for_name(connection, name: str, address: str, now: datetime) -> int:
    """Seconds the name's failures from everywhere make this address wait (see the module's doc)."""
    config = current_app.config
    count, last = connection.execute(
        select(func.count(), func.max(login_failures.c.failed_at)).where(_by_name(name))
    ).one()
    beyond = count - config["LOGIN_NAME_MAX_FAILURES"]
    if beyond < 0 or sessions.logged_in_from(connection, name, address):
        return 0
    delay = min(2.0**beyond, float(config["LOGIN_NAME_MAX_DELAY"]))
    return _seconds_until(last + timedelta(seconds=delay), now)


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))
