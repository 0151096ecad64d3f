"""The log of logins: each login whose password was checked, who, from where, when and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import delete, insert, select

from messageboard.core import ADDRESS_MAX_LENGTH, EDITOR_NAME_MAX_LENGTH
from messageboard.database.schema import editors, login_events, utcnow
from messageboard.extensions import db


class Outcome(StrEnum):
    """How a checked login ended."""

    LOGGED_IN = "logged in"
    WRONG_PASSWORD = "wrong password"
    UNKNOWN_NAME = "unknown name"


@dataclass(frozen=True)
class LoginEvent:
    """One checked login."""

    name: str
    address: str
    at: datetime
    outcome: Outcome


def record_login(name: str, address: str, outcome: Outcome | None = None) -> None:
    """Write a checked login to the log, and remove the entries older than LOGIN_LOG_DAYS; a failed
    one (``outcome`` None) is logged as a wrong password or an unknown name, as the editors say."""
    name, address, now = name[:EDITOR_NAME_MAX_LENGTH], address[:ADDRESS_MAX_LENGTH], utcnow()
    with db.writing() as connection:
        if outcome is None:
            known = connection.execute(select(editors.c.id).where(editors.c.name == name)).first()
            outcome = Outcome.WRONG_PASSWORD if known else Outcome.UNKNOWN_NAME
        connection.execute(insert(login_events).values(name=name, address=address, at=now, outcome=outcome.value))
        kept_since = now - timedelta(days=current_app.config["LOGIN_LOG_DAYS"])
        connection.execute(delete(login_events).where(login_events.c.at < kept_since))


def login_log(*, limit: int, name: str | None = None, failed_only: bool = False) -> list[LoginEvent]:
    """The latest ``limit`` checked logins, newest first; only ``name``'s, or only failures, if asked."""
    statement = select(login_events.c.name, login_events.c.address, login_events.c.at, login_events.c.outcome)
    if name is not None:
        statement = statement.where(login_events.c.name == name)
    if failed_only:
        statement = statement.where(login_events.c.outcome != Outcome.LOGGED_IN.value)
    statement = statement.order_by(login_events.c.at.desc(), login_events.c.id.desc()).limit(limit)
    with db.reading() as connection:
        return [
            LoginEvent(row.name, row.address, row.at, Outcome(row.outcome)) for row in connection.execute(statement)
        ]
