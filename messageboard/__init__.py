"""messageboard: short messages (a key and its text) as Jinja pages, editable through web forms."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import click
from flask import Flask

from messageboard import auth, commands, errors, export, health, history, legacy, messages, styleguide, trash
from messageboard.assets import build_paths, init_assets, pages_follow_builds
from messageboard.core import ConfigError, stop_on
from messageboard.extensions import csrf, db
from messageboard.http_security import init_http_security
from messageboard.page_cache import init_page_cache
from messageboard.render_mode import init_render_mode
from messageboard.request_limits import init_request_limits
from messageboard.settings import instance_folder, load_settings
from messageboard.templating import init_templating


def stops_commands_on_config_errors(factory):
    """Under a ``flask`` command, end the command with a misconfiguration's one line and status 1.

    Flask's command line prints any error while loading the app as a traceback, and goes on to say
    the command does not exist; servers and tests call the factory outside a command and get the
    ConfigError itself.
    """

    @functools.wraps(factory)
    def factory_for_commands(*args, **kwargs):
        try:
            return factory(*args, **kwargs)
        except ConfigError as problem:
            if click.get_current_context(silent=True) is None:
                raise
            stop_on(problem)

    return factory_for_commands


@stops_commands_on_config_errors
def create_app(config=None, *, instance_path: str | Path | None = None, **overrides) -> Flask:
    """Build the app: settings from their layers, extensions, blueprints, error pages, commands.

    It runs no DDL and opens no connection: ``flask db init`` creates the schema, and servers refuse
    to start on a database without it (``messageboard.startup``).

    ``config`` names the settings class (``"production"``, a dotted path or a class; default from
    ``MESSAGEBOARD_CONFIG``); ``overrides`` set settings last, above every other layer.
    """
    instance_path = Path(instance_path).resolve() if instance_path else instance_folder()
    settings = load_settings(config, instance_path=instance_path, overrides=overrides)
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        static_folder=str(build_paths(settings.values).public),
        static_url_path=settings.values["STATIC_URL_PATH"],
    )
    app.config.update(settings.values)
    app.extensions["messageboard.settings_sources"] = settings.sources
    init_templating(app)
    configure_logging(app)

    register_extensions(app)
    register_blueprints(app)
    errors.register_error_pages(app)
    commands.register_commands(app)
    return app


def configure_logging(app: Flask) -> None:
    """Log the app's INFO messages too outside debug; Flask writes them to stderr, which gunicorn keeps."""
    if not app.debug:
        app.logger.setLevel(logging.INFO)


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    init_request_limits(app)
    auth.init_session_checks(app)  # before CSRFProtect, which must not accept an ended login's token
    csrf.init_app(app)
    db.init_app(app)
    init_page_cache(app, pages_follow_builds(app, db.change_counter(app)))
    init_render_mode(app)
    init_assets(app)  # its WhiteNoise answers static files before the page cache and Flask
    init_http_security(app)  # last, outermost: proxy headers, host check and headers for every response


def register_blueprints(app: Flask) -> None:
    """Mount each feature's blueprint."""
    auth.init_auth(app)
    app.register_blueprint(messages.bp)
    app.register_blueprint(history.bp)
    app.register_blueprint(trash.bp)
    app.register_blueprint(legacy.bp)
    app.register_blueprint(export.bp)
    health.init_health(app)
    if app.config["STYLEGUIDE"]:
        app.register_blueprint(styleguide.bp)
    if app.config["LIVE_RELOAD"]:
        # Imported only here: its file watcher is a development dependency, absent in production.
        from messageboard.live_reload.views import init_live_reload

        init_live_reload(app)
