"""Checks a server makes before serving, so a problem stops it at once with one line."""

from messageboard import create_app
from messageboard.assets import build_paths, build_problem, check_built
from messageboard.core import ConfigError, report
from messageboard.database import connection_problem
from messageboard.database.errors import UNAVAILABLE_ERRORS, first_line, is_damaged_file
from messageboard.database.migrate import INIT_COMMAND
from messageboard.extensions import db
from messageboard.settings import instance_folder, load_settings
from messageboard.styleguide.fixtures import check_fixtures

# Set by check_first_start; the worker processes a server forks afterwards (gunicorn's) inherit it.
_first_start_checked = False


def check_first_start() -> None:
    """Raise ConfigError if a server must not start: what ``check_can_serve`` checks, then the
    database's answer and its tables, once, before any worker (gunicorn's master, uWSGI's, Waitress)."""
    global _first_start_checked
    check_can_serve()
    check_database_answers()
    check_schema()
    _first_start_checked = True


def forked_from_first_start() -> bool:
    """Whether this process was forked from one that checked the first start (a worker of gunicorn's master)."""
    return _first_start_checked


def check_loaded_again() -> None:
    """Raise ConfigError if a process a server may start again later must not serve (a replaced
    gunicorn or uWSGI lazy-apps worker, a mod_wsgi daemon process); warn of a build problem.

    Forked from a process that checked the first start (gunicorn's master), it only reads the settings
    and warns. Otherwise: the settings and fixtures, and the tables where the database answers: one that does
    not answer is an outage the process must start through, answering 503 until it ends, but tables
    missing from one that answers would make every page a 500. Missing or stale static files never
    stop it: it serves pages, the files answer 404 and ``/readyz`` 503 until a build.
    """
    settings = load_settings(instance_path=instance_folder())
    if not settings.values["ASSETS_AUTO_BUILD"] and (problem := build_problem(build_paths(settings.values))):
        report(ConfigError(f"{problem}; serving meanwhile: static files answer 404 and /readyz 503"))
    if _first_start_checked:
        return
    check_settings_and_fixtures()
    try:
        check_database_answers()
    except ConfigError:
        return
    check_schema()


def check_can_serve() -> None:
    """Raise ConfigError if the settings are wrong, the styleguide's fixtures are, or, where the app
    never builds, assets are unbuilt."""
    values = check_settings_and_fixtures()
    if not values["ASSETS_AUTO_BUILD"]:
        check_built(values)


def check_settings_and_fixtures() -> dict:
    """Raise ConfigError if the settings are wrong or the styleguide's fixtures are; return the settings."""
    settings = load_settings(instance_path=instance_folder())
    if settings.values["STYLEGUIDE"]:
        check_fixtures(settings.values)
    return settings.values


def check_database_answers() -> None:
    """Raise ConfigError if the database server ``DATABASE_URL`` names does not answer.

    For a server's first start only (gunicorn's master): a worker restarted during an outage must
    start anyway and answer 503 until the database is back, not fail and take the server down.
    """
    settings = load_settings(instance_path=instance_folder())
    if problem := connection_problem(settings.values):
        raise ConfigError(
            f"DATABASE_URL: {problem}: start the database server, or correct the URL's "
            "host, port, user or database name"
        )


def check_schema() -> None:
    """Raise ConfigError, naming the command to run, if the database's schema is not the code's:
    missing, behind (``flask db upgrade``) or ahead (made by a newer release).

    The app itself never runs DDL: a worker serves only a schema that was brought up to date before.
    """
    app = create_app()
    try:
        with app.app_context():
            try:
                state = db.schema_state()
            except UNAVAILABLE_ERRORS as error:
                if is_damaged_file(error):
                    raise ConfigError(
                        f"DATABASE_URL: the database is damaged or is not an SQLite file ({first_line(error)}): "
                        f"restore it from a backup, or move it away and run `{INIT_COMMAND}` for an empty one"
                    ) from None
                # It answers connections but not the site's first query: for SQLite, most often a
                # folder the server may not write, where SQLite keeps the -wal and -shm files.
                raise ConfigError(
                    f"DATABASE_URL: the database cannot be read ({first_line(error)}): for SQLite, let the "
                    "server write the database's folder (SQLite keeps -wal and -shm files beside it) and "
                    "give its disk room; for PostgreSQL, check the role's rights"
                ) from None
            if problem := state.problem():
                raise ConfigError(problem)
    finally:
        db.close(app)  # gunicorn forks after this; a connection must not cross a fork
