"""Editor accounts: names and password hashes (scrypt, through Werkzeug), never the passwords."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from messageboard.auth import sessions
from messageboard.core import EDITOR_NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from messageboard.database.schema import editors, utcnow
from messageboard.extensions import db

NAME_PATTERN = re.compile(rf"^[A-Za-z0-9._@-]{{1,{EDITOR_NAME_MAX_LENGTH}}}$")
# Checked against when the name is unknown, so a wrong name costs the same time as a wrong password.
_UNKNOWN_NAME_HASH = generate_password_hash("not-a-password-of-anyone")


class EditorProblem(ValueError):
    """A name or password that cannot be used; the message says why."""


@dataclass(frozen=True)
class Editor(UserMixin):
    """A person who may add, edit and delete messages."""

    id: int
    name: str
    created_at: datetime

    def get_id(self) -> str:
        """The id kept in the session (Flask-Login)."""
        return str(self.id)


def check_name(name: str) -> str:
    """Return the name if it can be an editor's, else raise EditorProblem saying why."""
    if not NAME_PATTERN.match(name):
        raise EditorProblem(
            f"An editor's name is 1 to {EDITOR_NAME_MAX_LENGTH} letters, digits, '.', '_', '@' or '-'; {name!r} is not."
        )
    return name


def check_password(password: str) -> str:
    """Return the password if it is long enough and not too long, else raise EditorProblem."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise EditorProblem(f"A password needs at least {PASSWORD_MIN_LENGTH} characters.")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise EditorProblem(f"A password has at most {PASSWORD_MAX_LENGTH} characters.")
    return password


def add_editor(name: str, password: str) -> Editor:
    """Store a new editor with the password hashed; EditorProblem if the name is taken or invalid."""
    check_name(name)
    check_password(password)
    password_hash = generate_password_hash(password)  # scrypt, before the write lock is taken
    try:
        with db.writing() as connection:
            row = connection.execute(
                insert(editors)
                .values(name=name, password_hash=password_hash, created_at=utcnow())
                .returning(editors.c.id, editors.c.name, editors.c.created_at)
            ).one()
    except IntegrityError:
        raise EditorProblem(f"There is already an editor named {name!r}.") from None
    return Editor(*row)


def remove_editor(name: str) -> None:
    """Remove an editor and end their logins; EditorProblem if there is none of that name."""
    with db.writing() as connection:
        sessions.end_all_of(_editor_id(connection, name), connection)
        connection.execute(delete(editors).where(editors.c.name == name))


def end_logins(name: str) -> int:
    """End every login of the editor called ``name``; return how many were open."""
    with db.writing() as connection:
        return sessions.end_all_of(_editor_id(connection, name), connection)


def change_password(name: str, password: str) -> int:
    """Give an editor a new password and end their logins; return how many were open."""
    check_password(password)
    password_hash = generate_password_hash(password)  # scrypt, before the write lock is taken
    with db.writing() as connection:
        editor_id = _editor_id(connection, name)
        connection.execute(update(editors).where(editors.c.id == editor_id).values(password_hash=password_hash))
        return sessions.end_all_of(editor_id, connection)


def _editor_id(connection, name: str) -> int:
    """The id of the editor called ``name``; EditorProblem if there is none."""
    editor_id = connection.execute(select(editors.c.id).where(editors.c.name == name)).scalar_one_or_none()
    if editor_id is None:
        raise EditorProblem(_no_editor_named(name))
    return editor_id


def _no_editor_named(name: str) -> str:
    return f"There is no editor named {name!r}."


def list_editors() -> list[Editor]:
    """Every editor, by name."""
    with db.reading() as connection:
        rows = connection.execute(
            select(editors.c.id, editors.c.name, editors.c.created_at).order_by(editors.c.name)
        ).all()
    return [Editor(*row) for row in rows]


def require_editor(name: str) -> Editor:
    """The editor called ``name``; EditorProblem if there is none."""
    editor = _editor_where(editors.c.name == name)
    if editor is None:
        raise EditorProblem(_no_editor_named(name))
    return editor


def _editor_where(condition) -> Editor | None:
    with db.reading() as connection:
        row = connection.execute(
            select(editors.c.id, editors.c.name, editors.c.created_at).where(condition)
        ).one_or_none()
    return Editor(*row) if row else None


def authenticate(name: str, password: str) -> Editor | None:
    """The editor if the name and password match, else None, in the same time either way."""
    with db.reading() as connection:
        row = connection.execute(
            select(editors.c.id, editors.c.name, editors.c.created_at, editors.c.password_hash).where(
                editors.c.name == name
            )
        ).one_or_none()
    stored_hash = row.password_hash if row else _UNKNOWN_NAME_HASH
    matches = check_password_hash(stored_hash, password[:PASSWORD_MAX_LENGTH])
    return Editor(row.id, row.name, row.created_at) if row and matches else None
