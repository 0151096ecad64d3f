"""`flask editors add|remove|list`: passwords are asked at a prompt, never taken from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from messageboard.auth.editors import EditorProblem, add_editor, check_password, list_editors, remove_editor

editors_cli = AppGroup("editors", help="Editor accounts: who may add, edit and delete messages.")


def _prompted_password(value: str) -> str:
    try:
        return check_password(value)
    except EditorProblem as problem:
        raise click.BadParameter(str(problem)) from None


@editors_cli.command("add")
@click.argument("name")
def add(name: str):
    """Add an editor; the password is asked twice, hidden."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True, value_proc=_prompted_password)
    try:
        editor = add_editor(name, password)
    except EditorProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Added editor {editor.name}.")


@editors_cli.command("remove")
@click.argument("name")
def remove(name: str):
    """Remove an editor; their open sessions end with it."""
    try:
        remove_editor(name)
    except EditorProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Removed editor {name}.")


@editors_cli.command("list")
def list_command():
    """List the editors and when each was added."""
    everyone = list_editors()
    for editor in everyone:
        click.echo(f"{editor.name}\tadded {editor.created_at:%Y-%m-%d %H:%M} UTC")
    if not everyone:
        click.echo("No editors yet: add one with `flask editors add NAME`.")
