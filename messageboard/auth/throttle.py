"""Failed logins slow guessing down: too many for one name, or from one address, and logins wait."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, or_, select

from messageboard.core import ADDRESS_MAX_LENGTH, EDITOR_NAME_MAX_LENGTH
from messageboard.database.schema import login_failures, utcnow
from messageboard.extensions import db

# One address may fail for several names (a shared office) before it waits: this many times the limit.
ADDRESS_ALLOWANCE = 4


def seconds_to_wait(name: str, address: str) -> int:
    """0 if a login for ``name`` from ``address`` may be tried now, else the seconds until it may."""
    limit, window = _limits()
    since = utcnow() - window
    with db.reading() as connection:
        waits = [
            _wait(connection, login_failures.c.name == name, limit, since, window),
            _wait(connection, login_failures.c.address == address, limit * ADDRESS_ALLOWANCE, since, window),
        ]
    return max(waits)


def record_failure(name: str, address: str) -> None:
    """Note a failed login, forgetting failures older than the window."""
    _, window = _limits()
    now = utcnow()
    with db.writing() as connection:
        connection.execute(delete(login_failures).where(login_failures.c.failed_at < now - window))
        connection.execute(
            insert(login_failures).values(
                name=name[:EDITOR_NAME_MAX_LENGTH], address=address[:ADDRESS_MAX_LENGTH], failed_at=now
            )
        )


def forget_failures(name: str, address: str) -> None:
    """A successful login clears the failures of its name and address."""
    with db.writing() as connection:
        connection.execute(
            delete(login_failures).where(or_(login_failures.c.name == name, login_failures.c.address == address))
        )


def _limits() -> tuple[int, timedelta]:
    config = current_app.config
    return config["LOGIN_MAX_FAILURES"], timedelta(seconds=config["LOGIN_FAILURE_WINDOW"])


def _wait(connection, condition, limit: int, since, window: timedelta) -> int:
    """Seconds until the oldest failure that keeps the count at ``limit`` leaves the window."""
    recent = select(login_failures.c.failed_at).where(condition, login_failures.c.failed_at >= since)
    count = connection.execute(select(func.count()).select_from(recent.subquery())).scalar_one()
    if count < limit:
        return 0
    # The failure that, once it leaves the window, brings the count below the limit.
    freeing = connection.execute(
        recent.order_by(login_failures.c.failed_at.desc()).offset(limit - 1).limit(1)
    ).scalar_one()
    return max(1, math.ceil((freeing + window - utcnow()).total_seconds()))
