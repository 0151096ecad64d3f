"""Schema migrations: a database made before them (a frozen copy of that schema, with data in every
table) upgrades on SQLite and PostgreSQL and keeps every row; servers refuse a schema behind or
ahead of the code's; hosts upgrading at once; and the migrations make exactly what schema.py says."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from messageboard import store
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.database import migrate
from messageboard.database.schema import metadata
from messageboard.extensions import db
from messageboard.startup import check_schema
from tests.helpers import ADA_PASSWORD, clean_environment, parse, submit_form
from tests.test_gunicorn import bare_environment, refused_start

pytestmark = pytest.mark.both_databases

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "before_migrations"
NEWEST = migrate.migrations()[0].revision
# Every table of the schema before migrations, and a column that orders its rows.
TABLES_BEFORE = {
    "messages": "id",
    "message_count": "id",
    "editors": "id",
    "login_sessions": "id",
    "login_failures": "id",
}


def make_database_from_before_migrations(app) -> None:
    """Fill the app's empty database with the frozen schema and rows of a database made before migrations."""
    url = db_url(app)
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as connection:
            connection.executescript((FIXTURES / "sqlite.sql").read_text())
        return
    options = dict(url.query)["options"]
    with psycopg.connect(url.set(drivername="postgresql", query={}).render_as_string(False), options=options) as pg:
        pg.execute((FIXTURES / "postgresql.sql").read_text())


def db_url(app):
    """The URL the app's engine was made from."""
    with app.app_context():
        return make_url(db.engine.url.render_as_string(hide_password=False))


def rows_of(app) -> dict[str, list[tuple]]:
    """Every row of every table of the schema before migrations, as plain tuples."""
    with app.app_context(), db.reading() as connection:
        return {
            table: [tuple(row) for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY {order}"))]
            for table, order in TABLES_BEFORE.items()
        }


def check_schema_of(app, monkeypatch) -> None:
    """The check a server makes at start, on the app's database (it makes its app from the environment)."""
    monkeypatch.setenv("MESSAGEBOARD_CONFIG", "testing")
    monkeypatch.setenv("MESSAGEBOARD_INSTANCE_PATH", app.instance_path)
    monkeypatch.setenv("MESSAGEBOARD_DATABASE_URL", db_url(app).render_as_string(hide_password=False))
    check_schema()


@pytest.fixture
def old_app(make_app):
    """An app on a database made by the code before migrations (not yet upgraded)."""
    app = make_app(ANONYMOUS_EDITING=False, init_database=False)
    make_database_from_before_migrations(app)
    return app


def test_a_database_made_before_migrations_upgrades_keeping_every_row(old_app, monkeypatch):
    before = rows_of(old_app)
    assert all(before.values()), before  # data in every table
    result = old_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Database upgraded to migration {NEWEST} (it was from before migrations): ")
    assert rows_of(old_app) == before
    with old_app.app_context(), db.reading() as connection:
        imported = connection.execute(
            text("SELECT message_id, number, text, created_at, editor_name, action FROM message_revisions ORDER BY id")
        ).all()
    with old_app.app_context():
        assert store.schema_state().is_current
    # Each message gets one revision: its text and version as the upgrade found them, by nobody known.
    assert [tuple(row) for row in imported] == [
        (id_, version, text_, updated_at, None, "import")
        for id_, _key, text_, _created_at, updated_at, version in before["messages"]
    ]
    check_schema_of(old_app, monkeypatch)  # a server may start on it now


def test_after_the_upgrade_editors_log_in_search_finds_and_new_ids_follow_the_old(old_app):
    assert old_app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    client = old_app.test_client()
    logged_in = submit_form(client, "/login", {"name": "ada", "password": ADA_PASSWORD})
    assert logged_in.status_code == 303, logged_in.get_data(as_text=True)
    found = parse(client.get("/?q=ello"))
    assert [link.get_text() for link in found.select(".message-row .message-key")] == ["default", "greeting"]
    rtl = parse(client.get("/messages/שלום")).select_one(".message-text")
    assert rtl.get_text() == "טקסט מימין לשמאל, with English"
    with old_app.app_context():
        added = store.add_message("after-upgrade", "new")
    assert added.id == 6  # the sequence kept its place: no id of the old rows comes again


def test_servers_refuse_a_schema_behind_the_code_naming_flask_db_upgrade(old_app, monkeypatch):
    with pytest.raises(ConfigError) as refused:
        check_schema_of(old_app, monkeypatch)
    assert str(refused.value) == (
        f"The database's schema is from before migrations, behind this code's {NEWEST}: run "
        "`flask --app messageboard db upgrade` (make run does), then start the server again"
    )


def test_a_schema_ahead_of_the_code_is_refused_by_servers_and_by_upgrade(make_app, monkeypatch):
    app = make_app()
    with app.app_context(), db.writing() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    expected = (
        f"The database's schema is at migration 9999, newer than this code's {NEWEST}: serve it with the "
        "release whose `flask --app messageboard db upgrade` made it, or restore a backup from before that upgrade"
    )
    with pytest.raises(ConfigError) as refused:
        check_schema_of(app, monkeypatch)
    assert str(refused.value) == expected
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert (result.exit_code, result.output) == (1, f"Error: {expected}\n")
    with app.app_context(), db.reading() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["9999"]


def test_db_current_and_history_say_where_the_database_stands(old_app):
    runner = old_app.test_cli_runner()
    url = db_url(old_app).render_as_string(hide_password=True)
    assert runner.invoke(args=["db", "current"]).output == (
        f"{url}: The database's schema is from before migrations, behind this code's {NEWEST}: run "
        "`flask --app messageboard db upgrade` (make run does), then start the server again\n"
    )
    history = runner.invoke(args=["db", "history"]).output.splitlines()
    assert [line.split()[0] for line in history] == [script.revision for script in migrate.migrations()]
    assert not any(line.endswith("(the database is here)") for line in history)
    runner.invoke(args=["db", "upgrade"])
    assert runner.invoke(args=["db", "current"]).output == f"{url}: at migration {NEWEST}, the newest the code has\n"
    assert runner.invoke(args=["db", "history"]).output.splitlines()[0].endswith("(the database is here)")


def test_the_migrations_make_exactly_the_schema_that_schema_py_describes(app):
    with app.app_context(), db.reading() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": migrate.compared_by_autogenerate})
        assert compare_metadata(context, metadata) == []


def test_a_new_migration_holds_what_the_database_lacks_of_schema_py(app, tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    subprocess.run(["cp", "-r", str(migrate.MIGRATIONS_FOLDER), str(folder)], check=True)
    monkeypatch.setattr(migrate, "MIGRATIONS_FOLDER", folder)
    with app.app_context(), db.writing() as connection:
        connection.execute(text("DROP INDEX ix_login_failures_name"))
    result = app.test_cli_runner().invoke(args=["db", "migration", "index the failures by name"])
    assert result.exit_code == 0, result.output
    written = folder / "versions" / f"{len(migrate.migrations()) + 1:04d}_index_the_failures_by_name.py"
    assert result.output == f"Wrote {written}: read it, then run `flask --app messageboard db upgrade`\n"
    assert "op.create_index('ix_login_failures_name', 'login_failures', ['name', 'failed_at']" in written.read_text()


def test_db_migration_refuses_a_database_that_is_not_at_the_newest(make_app):
    app = make_app(init_database=False)
    result = app.test_cli_runner().invoke(args=["db", "migration", "anything"])
    assert result.exit_code == 1
    assert result.output.endswith("; a new migration starts from the newest\n")


def test_hosts_upgrading_at_once_upgrade_it_once_and_all_succeed(old_app, tmp_path):
    environment = {
        **clean_environment(),
        "MESSAGEBOARD_CONFIG": "testing",
        "MESSAGEBOARD_INSTANCE_PATH": old_app.instance_path,
        "MESSAGEBOARD_DATABASE_URL": db_url(old_app).render_as_string(hide_password=False),
    }
    start_at = time.time() + 3  # all of them imported, then upgrading together
    code = f"import time; time.sleep(max(0, {start_at} - time.time())); from flask.cli import main; main()"
    hosts = [
        subprocess.Popen(
            [sys.executable, "-c", code, "--app", "messageboard", "db", "upgrade"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [host.communicate(timeout=60)[0] for host in hosts]
    assert [host.returncode for host in hosts] == [0] * 4, outputs
    said = sorted(output.split(":")[0] for output in outputs)
    assert said == [f"Database already at migration {NEWEST}, the code's newest"] * 3 + [
        f"Database upgraded to migration {NEWEST} (it was from before migrations)"
    ], outputs
    with old_app.app_context(), db.reading() as connection:
        assert connection.execute(select(text("version_num")).select_from(text("alembic_version"))).scalars().all() == [
            NEWEST
        ]


@pytest.mark.server
def test_gunicorn_will_not_start_on_a_schema_behind_the_code(old_app, tmp_path):
    environment = bare_environment(
        tmp_path,
        MESSAGEBOARD_SECRET_KEY="live-server-test-secret",
        MESSAGEBOARD_TRUSTED_HOSTS='["127.0.0.1"]',
        MESSAGEBOARD_INSTANCE_PATH=old_app.instance_path,
        MESSAGEBOARD_DATABASE_URL=db_url(old_app).render_as_string(hide_password=False),
    )
    problems, output = refused_start(environment)
    assert problems == [
        f"messageboard: The database's schema is from before migrations, behind this code's {NEWEST}: run "
        "`flask --app messageboard db upgrade` (make run does), then start the server again"
    ], output
    assert "Booting worker" not in output  # refused in the master: no worker ever sees the old schema
