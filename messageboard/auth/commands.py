"""`flask editors add|remove|logout|password|list`: passwords are asked at a prompt, never taken from the command line."""

from __future__ import annotations

from contextlib import contextmanager

import click
from flask.cli import AppGroup

from messageboard.auth.editors import (
    EditorProblem,
    add_editor,
    change_password,
    check_password,
    end_logins,
    list_editors,
    remove_editor,
    require_editor,
)
from messageboard.auth.login_log import login_log

editors_cli = AppGroup("editors", help="Editor accounts: who may add, edit and delete messages.")


def _ask_password() -> str:
    return click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=_prompted_password)


def _prompted_password(value: str) -> str:
    try:
        return check_password(value)
    except EditorProblem as problem:
        raise click.BadParameter(str(problem)) from None


@editors_cli.command("add")
@click.argument("name")
def add(name: str):
    """Add an editor; the password is asked twice, hidden."""
    password = _ask_password()
    with _problem_as_error():
        editor = add_editor(name, password)
    click.echo(f"Added editor {editor.name}.")


@editors_cli.command("remove")
@click.argument("name")
def remove(name: str):
    """Remove an editor; their logins end with it."""
    with _problem_as_error():
        remove_editor(name)
    click.echo(f"Removed editor {name}.")


@editors_cli.command("logout")
@click.argument("name")
def logout(name: str):
    """End every login of an editor, on every browser."""
    with _problem_as_error():
        ended = end_logins(name)
    click.echo(f"Ended {_logins(ended)} of {name}.")


@editors_cli.command("password")
@click.argument("name")
def password(name: str):
    """Set an editor's password, asked twice, hidden; their logins end."""
    with _problem_as_error():
        require_editor(name)  # before the prompt, not after two passwords were typed
        ended = change_password(name, _ask_password())
    click.echo(f"Changed the password of {name} and ended {_logins(ended)}.")


@contextmanager
def _problem_as_error():
    """Turn an EditorProblem into click's one-line error, exit status 1."""
    try:
        yield
    except EditorProblem as problem:
        raise click.ClickException(str(problem)) from None


def _logins(count: int) -> str:
    return "1 login" if count == 1 else f"{count} logins"


@editors_cli.command("list")
def list_command():
    """List the editors and when each was added."""
    everyone = list_editors()
    for editor in everyone:
        click.echo(f"{editor.name}\tadded {editor.created_at:%Y-%m-%d %H:%M} UTC")
    if not everyone:
        click.echo("No editors yet: add one with `flask editors add NAME`.")


@editors_cli.command("log")
@click.option("--name", help="Only this editor name's logins.")
@click.option("--failed", is_flag=True, help="Only the logins that failed.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True, help="How many, newest first.")
def log_command(name: str | None, failed: bool, limit: int):
    """Print the latest checked logins, newest first: time, name, address and outcome."""
    events = login_log(limit=limit, name=name, failed_only=failed)
    for event in events:
        click.echo(f"{event.at:%Y-%m-%d %H:%M:%S} UTC\t{_shown(event.name)}\t{_shown(event.address)}\t{event.outcome}")
    if not events:
        click.echo("No logins are logged" + (" that match." if name is not None or failed else " yet."))


def _shown(text: str) -> str:
    """The text with characters a terminal would not print as themselves (a direction override, say) escaped."""
    return "".join(character if character.isprintable() else ascii(character)[1:-1] for character in text)
