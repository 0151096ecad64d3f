"""The flask commands: db init and config."""

from pathlib import Path

from messageboard import store
from messageboard.commands import masked_value
from messageboard.database import migrate


def test_db_init_is_idempotent_and_names_the_database(make_app):
    app = make_app(init_database=False)
    first = app.test_cli_runner().invoke(args=["db", "init"])
    assert first.exit_code == 0
    url, newest = f"sqlite:///{app.instance_path}/messageboard.sqlite3", migrate.migrations()[0].revision
    assert first.output == f"Database created at migration {newest}: {url}\n"
    again = make_app(init_database=False).test_cli_runner().invoke(args=["db", "init"])
    assert again.output == f"Database already at migration {newest}, the code's newest: {url}\n"
    with app.app_context():
        assert store.list_messages().total == 1


def test_creating_the_app_runs_no_ddl_and_opens_no_connection(make_app):
    app = make_app(init_database=False)
    assert not (Path(app.instance_path) / "messageboard.sqlite3").exists()
    with app.app_context():
        assert store.schema_state().is_empty


def config_lines(result) -> dict[str, str]:
    """Map each setting printed by ``flask config`` to its line."""
    return {line.split(" = ")[0]: line for line in result.output.splitlines()}


def test_config_prints_each_setting_with_its_source_and_masks_secrets(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3")
    lines = config_lines(app.test_cli_runner().invoke(args=["config"]))
    assert lines["SECRET_KEY"] == "SECRET_KEY = '********'  [class config.settings.TestingConfig]"
    assert lines["DATABASE_URL"] == f"DATABASE_URL = 'sqlite:///{tmp_path}/other.sqlite3'  [create_app() arguments]"
    assert lines["MESSAGES_PER_PAGE"] == "MESSAGES_PER_PAGE = 20  [default]"
    assert lines["SESSION_COOKIE_NAME"].endswith("[Flask or extension default]")
    assert "testing-only-not-secret" not in "".join(lines.values())


def test_masked_value_hides_secrets_and_database_passwords():
    assert masked_value("DATABASE_URL", "postgresql+psycopg://user:hunter2@db.example/site") == (
        "postgresql+psycopg://user:***@db.example/site"
    )
    assert masked_value("SECRET_KEY", "abc") == masked_value("SMTP_PASSWORD", "abc") == "********"
    assert masked_value("SECRET_KEY_FILE", "/run/secrets/key") == "/run/secrets/key"
    assert masked_value("SECRET_KEY", None) is None


def test_config_names_the_environment_variable_that_set_a_value(make_app, monkeypatch):
    monkeypatch.setenv("MESSAGEBOARD_MESSAGES_PER_PAGE", "9")
    lines = config_lines(make_app().test_cli_runner().invoke(args=["config"]))
    assert lines["MESSAGES_PER_PAGE"] == "MESSAGES_PER_PAGE = 9  [$MESSAGEBOARD_MESSAGES_PER_PAGE]"
