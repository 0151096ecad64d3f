"""Logins recorded in the database, so that one ends everywhere at once: logging out, an expiry,
`flask editors logout`, a password change or `flask editors remove` and a copy of its cookie,
CSRF token included, opens nothing on any worker or host.

The signed cookie still carries the session; a login adds a random token to it, whose SHA-256 is
the login's record. Visitors who never log in have no record and cost no query; an editor's
request reads the login and the editor in one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, current_app, g, session
from sqlalchemy import Row, and_, delete, insert, select, update

from messageboard.core import ADDRESS_MAX_LENGTH
from messageboard.database.schema import editors, login_sessions, utcnow
from messageboard.extensions import db

# The session key that holds the login's token; Flask-Login's own keys sit beside it.
TOKEN_KEY = "_login"
# Flask-Login's key for the editor's id: a session holding it without a live login is ended.
EDITOR_ID_KEY = "_user_id"
# How stale a login's last-seen time may be, as a share of the idle timeout: a request writes it
# at most this often, so a page costs an editor one read, not a write.
LAST_SEEN_PRECISION = 1 / 20


def init_session_checks(app: Flask) -> None:
    """End, before anything reads it, every request's session whose login has ended or expired.

    Registered before CSRFProtect, so an ended login's CSRF token is refused with it.
    """
    app.before_request(end_a_dead_login)
    # The cookie's own signature is refused past the longest a login may last, whatever the table says.
    app.permanent_session_lifetime = timedelta(seconds=app.config["SESSION_MAX_AGE"])


def end_a_dead_login() -> None:
    """Empty the session if it names an editor whose login is not live (Flask-Login then sees nobody);
    else keep the editor's row for the request (``logged_in_editor``), read with the login."""
    if TOKEN_KEY not in session:
        if EDITOR_ID_KEY in session:  # a login from before logins were recorded, or a remember cookie
            session.clear()
        return
    editor = live_editor(session[TOKEN_KEY], session.get(EDITOR_ID_KEY))
    if editor is None:
        session.clear()
    g.logged_in_editor = editor


def logged_in_editor() -> Row | None:
    """The editor's id, name and created_at if this request's login is live, else None."""
    return g.get("logged_in_editor")


def begin(editor_id: int, address: str) -> None:
    """Record a login of ``editor_id`` from ``address`` and put its token in the session."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.writing() as connection:
        connection.execute(delete(login_sessions).where(login_sessions.c.started_at < now - _max_age()))
        connection.execute(
            insert(login_sessions).values(
                token_hash=_hash(token),
                editor_id=editor_id,
                address=address[:ADDRESS_MAX_LENGTH],
                started_at=now,
                last_seen_at=now,
            )
        )
    session[TOKEN_KEY] = token


def end_current() -> None:
    """End the session's login, if it has one."""
    token = session.get(TOKEN_KEY)
    if token:
        with db.writing() as connection:
            connection.execute(_ending(login_sessions.c.token_hash == _hash(token)))


def end_all_of(editor_id: int, connection) -> int:
    """End every live login of ``editor_id`` in the caller's write transaction; return how many."""
    return connection.execute(_ending(login_sessions.c.editor_id == editor_id)).rowcount


def live_editor(token: str, editor_id: str | None) -> Row | None:
    """The editor (id, name, created_at) if ``token`` is a login of ``editor_id`` that has not ended,
    been idle too long or grown too old, else None.

    Notes the login as seen now, when the last note is staler than the precision allows.
    """
    with db.reading() as connection:
        login = connection.execute(
            select(
                login_sessions.c.id.label("login_id"),
                login_sessions.c.started_at,
                login_sessions.c.last_seen_at,
                login_sessions.c.ended_at,
                editors.c.id,
                editors.c.name,
                editors.c.created_at,
            )
            .join(editors, editors.c.id == login_sessions.c.editor_id)
            .where(login_sessions.c.token_hash == _hash(token))
        ).one_or_none()
    now = utcnow()
    idle_timeout = _idle_timeout()
    if (
        login is None
        or login.ended_at is not None
        or str(login.id) != editor_id
        or login.started_at <= now - _max_age()
        or login.last_seen_at <= now - idle_timeout
    ):
        return None
    if login.last_seen_at <= now - idle_timeout * LAST_SEEN_PRECISION:
        with db.writing() as connection:
            connection.execute(
                update(login_sessions)
                .where(login_sessions.c.id == login.login_id, login_sessions.c.ended_at.is_(None))
                .values(last_seen_at=now)
            )
    return login


def logged_in_from(connection, name: str, address: str) -> bool:
    """Whether the editor called ``name`` logged in from ``address`` within SESSION_MAX_AGE (the
    logins the record keeps)."""
    since = utcnow() - _max_age()
    return (
        connection.execute(
            select(login_sessions.c.id)
            .join(editors, editors.c.id == login_sessions.c.editor_id)
            .where(editors.c.name == name, login_sessions.c.address == address, login_sessions.c.started_at >= since)
            .limit(1)
        ).first()
        is not None
    )


def _ending(condition):
    live = and_(condition, login_sessions.c.ended_at.is_(None))
    return update(login_sessions).where(live).values(ended_at=utcnow())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _max_age() -> timedelta:
    return timedelta(seconds=current_app.config["SESSION_MAX_AGE"])


def _idle_timeout() -> timedelta:
    return timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
