"""Configuration's rough edges: typed values, the higher layer winning, DEBUG from every source, typos,
one line for every command, and relative paths from one place."""

import logging
import os
import subprocess
import sys

import pytest

from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.extensions import db
from tests.helpers import LOCAL_HOSTS, clean_environment, parse, settings_for

PRODUCTION = {"MESSAGEBOARD_CONFIG": "production", "MESSAGEBOARD_TRUSTED_HOSTS": LOCAL_HOSTS}


def flask_command(*args: str, environment: dict, cwd=PROJECT_ROOT) -> subprocess.CompletedProcess:
    """Run ``flask --app messageboard ARGS`` as a user does, with only ``environment``'s settings."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", *args],
        cwd=cwd,
        env={**clean_environment(), "PYTHONPATH": str(PROJECT_ROOT), **environment},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


# Strings stay strings


def test_an_all_digit_secret_stays_a_string_and_login_answers(make_app, monkeypatch):
    monkeypatch.setenv("MESSAGEBOARD_SECRET_KEY", "12345678901234567890")
    app = make_app("production", SESSION_COOKIE_SECURE=False)
    assert app.config["SECRET_KEY"] == "12345678901234567890"
    response = app.test_client().get("/login")
    assert response.status_code == 200
    assert parse(response).select_one('form input[name="csrf_token"]')["value"]


@pytest.mark.parametrize(
    ("variable", "text", "value"),
    [
        ("MESSAGEBOARD_DATABASE_URL", "sqlite:////tmp/1.db", "sqlite:////tmp/1.db"),
        ("MESSAGEBOARD_STATIC_URL_PATH", "/2026", "/2026"),
        ("MESSAGEBOARD_SESSION_COOKIE_SAMESITE", "Strict", "Strict"),
        ("MESSAGEBOARD_SERVER_NAME", "1234", "1234"),
        ("MESSAGEBOARD_LEGACY_GET_WRITES", "yes", True),
        ("MESSAGEBOARD_LEGACY_GET_WRITES", "0", False),
        ("MESSAGEBOARD_MESSAGES_PER_PAGE", "50", 50),
        ("MESSAGEBOARD_DATABASE_BUSY_TIMEOUT", "2.5", 2.5),
        ("MESSAGEBOARD_WTF_CSRF_TIME_LIMIT", "null", None),
        ("MESSAGEBOARD_TRUSTED_HOSTS", '["example.org", ".example.org"]', ["example.org", ".example.org"]),
        ("MESSAGEBOARD_TRUSTED_HOSTS", "example.org, www.example.org", ["example.org", "www.example.org"]),
        ("MESSAGEBOARD_MAX_COOKIE_SIZE", "4000", 4000),
    ],
)
def test_each_environment_variable_is_read_as_its_settings_type(tmp_path, variable, text, value):
    settings = settings_for(tmp_path, {variable: text})
    assert settings.values[variable.removeprefix("MESSAGEBOARD_")] == value


@pytest.mark.parametrize(
    ("file_line", "problem"),
    [
        ("SECRET_KEY = 12345", "SECRET_KEY must be a string, not 12345"),
        ("DATABASE_URL = 5", "DATABASE_URL must be a string, not 5"),
        (
            "SESSION_COOKIE_SAMESITE = 'lax'",
            "SESSION_COOKIE_SAMESITE must be one of 'Lax', 'Strict', 'None', not 'lax'",
        ),
        (
            "SECRET_KEY_FALLBACKS = 'old'",
            'SECRET_KEY_FALLBACKS must be a list of strings, like ["a", "b"], not \'old\'',
        ),
        (
            "TRUSTED_HOSTS = ['https://example.org/']",
            "TRUSTED_HOSTS has 'https://example.org/', which is not a host name",
        ),
        ("SERVER_NAME = 8000", "SERVER_NAME must be a string, not 8000"),
        ("MAX_COOKIE_SIZE = 'big'", "MAX_COOKIE_SIZE must be a whole number from 0 up, not 'big'"),
    ],
)
def test_a_value_of_the_wrong_type_stops_the_start_naming_where_it_was_set(tmp_path, file_line, problem):
    (tmp_path / "messageboard.cfg").write_text(file_line + "\n")
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {})
    assert str(error.value).startswith(problem)
    assert str(error.value).endswith(f" (set by {tmp_path / 'messageboard.cfg'})")


def test_a_wrong_environment_value_names_its_variable(tmp_path):
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {"MESSAGEBOARD_MESSAGES_PER_PAGE": "twenty"})
    assert str(error.value) == (
        "MESSAGES_PER_PAGE must be a whole number from 1 to 1000, not 'twenty' (set by $MESSAGEBOARD_MESSAGES_PER_PAGE)"
    )


# A higher layer always wins


class SecretFileConfig:
    """A class naming a secret key file, below the environment."""

    SECRET_KEY_FILE = str(PROJECT_ROOT / "assets.yml")


def test_a_secret_in_the_environment_beats_a_secret_file_named_by_a_class(tmp_path):
    settings = settings_for(
        tmp_path,
        {"MESSAGEBOARD_CONFIG": "tests.test_config_rough_edges.SecretFileConfig", "MESSAGEBOARD_SECRET_KEY": "env"},
    )
    assert settings.values["SECRET_KEY"] == "env"
    assert settings.sources["SECRET_KEY"] == "$MESSAGEBOARD_SECRET_KEY"


def test_a_secret_file_in_the_environment_beats_a_secret_set_by_a_class(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n")
    settings = settings_for(
        tmp_path, {"MESSAGEBOARD_CONFIG": "development", "MESSAGEBOARD_SECRET_KEY_FILE": str(secret)}
    )
    assert settings.values["SECRET_KEY"] == "from-the-file"
    assert settings.sources["SECRET_KEY"] == f"SECRET_KEY_FILE ({secret})"


def test_a_secret_and_a_secret_file_in_one_layer_is_refused(tmp_path):
    with pytest.raises(ConfigError) as error:
        settings_for(
            tmp_path, {**PRODUCTION, "MESSAGEBOARD_SECRET_KEY": "a", "MESSAGEBOARD_SECRET_KEY_FILE": "assets.yml"}
        )
    assert str(error.value) == (
        "SECRET_KEY and SECRET_KEY_FILE are both set by $MESSAGEBOARD_SECRET_KEY: keep one of them"
    )


# DEBUG from every source


@pytest.mark.parametrize("config", ["staging", "production"])
@pytest.mark.parametrize("debug", ["1", "true"])
def test_public_sites_refuse_flask_debug(tmp_path, config, debug):
    environ = {"MESSAGEBOARD_CONFIG": config, "MESSAGEBOARD_SECRET_KEY": "s3cret", "FLASK_DEBUG": debug}
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, environ)
    assert str(error.value).startswith("DEBUG is on in an environment that serves people")
    assert str(error.value).endswith("(set by $FLASK_DEBUG, which flask --debug sets)")


def test_flask_run_debug_with_production_settings_stops_before_the_debugger():
    ran = flask_command("run", "--debug", "--port", "1", environment={**PRODUCTION, "MESSAGEBOARD_SECRET_KEY": "s"})
    assert ran.returncode == 1
    assert ran.stderr.splitlines() == [
        "messageboard: DEBUG is on in an environment that serves people (Staging, Production): turn it off "
        "where it is set, or use MESSAGEBOARD_CONFIG=development (set by $FLASK_DEBUG, which flask --debug sets)"
    ]
    assert "Debugger is active" not in ran.stdout + ran.stderr


def test_flask_config_names_the_command_line_as_the_source_of_debug():
    ran = flask_command(
        "--debug", "config", environment={"MESSAGEBOARD_CONFIG": "development", "MESSAGEBOARD_DEBUG": "false"}
    )
    lines = {line.split(" = ")[0]: line for line in ran.stdout.splitlines()}
    assert lines["DEBUG"] == "DEBUG = True  [$FLASK_DEBUG, which flask --debug sets]"


# Typos


def test_an_unknown_environment_variable_is_named_with_the_closest_setting(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="messageboard.settings"):
        settings_for(tmp_path, {"MESSAGEBOARD_MESAGES_PER_PAGE_": "5"})
    assert [record.getMessage() for record in caplog.records] == [
        "messageboard: MESSAGEBOARD_MESAGES_PER_PAGE_ is not a setting of the site, nor Flask's: "
        "did you mean MESSAGEBOARD_MESSAGES_PER_PAGE?"
    ]


def test_an_unknown_instance_file_setting_is_named_with_the_closest_setting(tmp_path, caplog):
    (tmp_path / "messageboard.cfg").write_text("MESAGES_PER_PAGE = 5\nDATABSE_URL = 'sqlite://'\n")
    with caplog.at_level(logging.WARNING, logger="messageboard.settings"):
        settings_for(tmp_path, {})
    messages = sorted(record.getMessage() for record in caplog.records)
    where = tmp_path / "messageboard.cfg"
    assert messages == [
        f"messageboard: DATABSE_URL in {where} is not a setting of the site, nor Flask's: did you mean DATABASE_URL?",
        f"messageboard: MESAGES_PER_PAGE in {where} is not a setting of the site, nor Flask's: "
        "did you mean MESSAGES_PER_PAGE?",
    ]


def test_a_typo_is_warned_once_per_process_on_stderr():
    ran = flask_command("routes", environment={"MESSAGEBOARD_THEME_FOLDR": "x"})
    assert ran.returncode == 0
    assert ran.stderr.splitlines() == [
        "messageboard: MESSAGEBOARD_THEME_FOLDR is not a setting of the site, nor Flask's: "
        "did you mean MESSAGEBOARD_THEME_FOLDER?"
    ]


# One line for every command


@pytest.mark.parametrize(
    "command",
    [["routes"], ["config"], ["shell"], ["db", "init"], ["editors", "list"], ["assets", "build"], ["export"], ["run"]],
    ids=" ".join,
)
def test_a_misconfiguration_stops_every_flask_command_with_one_line(command):
    ran = flask_command(*command, environment=PRODUCTION)
    assert ran.returncode == 1
    assert len(ran.stderr.splitlines()) == 1, ran.stderr
    assert ran.stderr.startswith("messageboard: No secret key: set MESSAGEBOARD_SECRET_KEY")


# Relative paths from the project folder


def test_relative_paths_are_taken_from_the_project_folder_whatever_the_current_one(make_app, tmp_path, monkeypatch):
    secret = tmp_path / "secret"
    secret.write_text("relative-secret\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    from_project = os.path.relpath(tmp_path, PROJECT_ROOT)
    monkeypatch.setenv("MESSAGEBOARD_SECRET_KEY_FILE", f"{from_project}/secret")
    app = make_app("production", DATABASE_URL=f"sqlite:///{from_project}/site.sqlite3", init_database=True)
    assert app.config["SECRET_KEY"] == "relative-secret"
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "site.sqlite3")
    assert (tmp_path / "site.sqlite3").is_file()
