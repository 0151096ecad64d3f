"""Command-line tools: ``flask db`` (init, upgrade, current, history, migration), ``flask config`` and
``flask front``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from messageboard import store
from messageboard.core import ConfigError
from messageboard.database import migrate
from messageboard.extensions import db
from messageboard.front import front_cli

SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN")
db_cli = AppGroup("db", help="Database commands.")


def register_commands(app: Flask) -> None:
    """Add the site's commands to the app's ``flask`` command line."""
    app.cli.add_command(db_cli)
    app.cli.add_command(show_config)
    app.cli.add_command(front_cli)


@db_cli.command("init")
def init_database():
    """Create the database's schema, or upgrade it to the code's, seeding the default message in a new
    one; safe to run again, and on several hosts at once."""
    _upgrade()


@db_cli.command("upgrade")
def upgrade_database():
    """Run the migrations the database lacks (``init`` does the same, and makes a new database)."""
    _upgrade()


def _upgrade() -> None:
    """Bring the database to the code's newest migration and say what was done."""
    try:
        before = store.upgrade_schema()
    except ConfigError as problem:
        raise click.ClickException(str(problem)) from None
    url = db.engine.url.render_as_string(hide_password=True)
    head = before.head
    if before.is_empty:
        click.echo(f"Database created at migration {head}: {url}")
    elif before.is_current:
        click.echo(f"Database already at migration {head}, the code's newest: {url}")
    else:
        click.echo(f"Database upgraded to migration {head} (it was {before.describe()}): {url}")


@db_cli.command("current")
def current_migration():
    """Say which migration the database is at, and whether that is the code's newest."""
    state = store.schema_state()
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"{url}: {state.problem() or f'at migration {state.head}, the newest the code has'}")


@db_cli.command("history")
def migration_history():
    """List the code's migrations, newest first, marking the database's."""
    current = set(store.schema_state().current)
    for script in migrate.migrations():
        mark = "  (the database is here)" if script.revision in current else ""
        click.echo(f"{script.revision}  {script.doc.splitlines()[0] if script.doc else ''}{mark}")


@db_cli.command("migration")
@click.argument("message")
def new_migration(message):
    """Write the next migration's file from what schema.py has that the database (at the newest) lacks."""
    with db.reading() as connection:
        state = migrate.schema_state(connection)
        if not state.is_current:
            raise click.ClickException(f"{state.problem()}; a new migration starts from the newest")
        path = migrate.new_migration(connection, message)
    click.echo(f"Wrote {path}: read it, then run `{migrate.UPGRADE_COMMAND}`")


@click.command("config")
@with_appcontext
def show_config():
    """Print every resolved setting, secrets masked, with the layer that set it."""
    sources = current_app.extensions["messageboard.settings_sources"]
    for key in sorted(current_app.config):
        value = masked_value(key, current_app.config[key])
        click.echo(f"{key} = {value!r}  [{sources.get(key, 'Flask or extension default')}]")


def masked_value(key: str, value):
    """Return ``value`` fit to print: secrets hidden, database passwords removed."""
    if value and any(word in key for word in SECRET_WORDS) and not key.endswith("_FILE"):
        return "********"
    if key == "DATABASE_URL" and value:
        return make_url(value).render_as_string(hide_password=True)
    return value
