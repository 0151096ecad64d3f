"""Command-line tools: ``flask db init``, ``flask config`` and ``flask front``."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.engine import make_url

from messageboard import store
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
    """Create what is missing (tables, indexes, triggers) and seed the default message; safe to run again."""
    created = store.create_schema()
    url = db.engine.url.render_as_string(hide_password=True)
    click.echo(f"Database {'created' if created else 'already set up'}: {url}")


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
