"""Settings: class choice, the documented order of layers, and start-up checks in production."""

import pytest

from config.settings import DevelopmentConfig, ProductionConfig
from messageboard import create_app
from messageboard.core import ConfigError
from tests.helpers import LOCAL_HOSTS, settings_for

# Production as it may start here: the hosts it answers are set, as `make run` sets them.
PRODUCTION = {"MESSAGEBOARD_CONFIG": "production", "MESSAGEBOARD_TRUSTED_HOSTS": LOCAL_HOSTS}


class CustomConfig(ProductionConfig):
    """A settings class chosen by dotted path."""

    SECRET_KEY = "custom-secret"
    TRUSTED_HOSTS = ["example.org"]
    MESSAGES_PER_PAGE = 7


@pytest.mark.parametrize(
    ("name", "debug", "testing"),
    [
        ("development", True, False),
        ("testing", False, True),
        ("Production", False, False),
    ],
)
def test_config_class_is_chosen_by_name(tmp_path, name, debug, testing):
    environ = {
        "MESSAGEBOARD_CONFIG": name,
        "MESSAGEBOARD_SECRET_KEY": "s3cret",
        "MESSAGEBOARD_TRUSTED_HOSTS": LOCAL_HOSTS,
    }
    values = settings_for(tmp_path, environ).values
    assert (values["DEBUG"], values["TESTING"]) == (debug, testing)


def test_development_is_the_default(tmp_path):
    settings = settings_for(tmp_path)
    assert settings.values["DEBUG"] is True
    assert settings.sources["DEBUG"] == "class config.settings.DevelopmentConfig"


def test_config_class_can_be_any_dotted_path(tmp_path):
    environ = {"MESSAGEBOARD_CONFIG": "tests.test_config.CustomConfig"}
    assert settings_for(tmp_path, environ).values["MESSAGES_PER_PAGE"] == 7


@pytest.mark.parametrize("name", ["prod", "tests.test_config.Missing", "no.such.module.Config"])
def test_unknown_config_class_fails_with_one_line_naming_the_choices(tmp_path, name):
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": name})
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(f"MESSAGEBOARD_CONFIG={name!r} is not a settings class")


def test_layers_override_in_the_documented_order(tmp_path):
    (tmp_path / "messageboard.cfg").write_text(
        "MESSAGES_PER_PAGE = 2\nLEGACY_GET_WRITES = False\nDATABASE_BUSY_TIMEOUT = 3\nSTATIC_URL_PATH = '/i'\n"
    )
    named = tmp_path / "named.cfg"
    named.write_text("MESSAGES_PER_PAGE = 3\nDATABASE_BUSY_TIMEOUT = 4\nSTATIC_URL_PATH = '/n'\n")
    environ = {
        "MESSAGEBOARD_SETTINGS": str(named),
        "MESSAGEBOARD_MESSAGES_PER_PAGE": "4",
        "MESSAGEBOARD_STATIC_URL_PATH": "/e",
    }
    settings = settings_for(tmp_path, environ, STATIC_URL_PATH="/o")
    values, sources = settings.values, settings.sources
    assert values["DEBUG"] is True and sources["DEBUG"].startswith("class ")
    assert values["LEGACY_GET_WRITES"] is False and sources["LEGACY_GET_WRITES"].endswith("messageboard.cfg")
    assert (
        values["DATABASE_BUSY_TIMEOUT"] == 4 and sources["DATABASE_BUSY_TIMEOUT"] == f"$MESSAGEBOARD_SETTINGS ({named})"
    )
    assert values["MESSAGES_PER_PAGE"] == 4 and sources["MESSAGES_PER_PAGE"] == "$MESSAGEBOARD_MESSAGES_PER_PAGE"
    assert values["STATIC_URL_PATH"] == "/o" and sources["STATIC_URL_PATH"] == "create_app() arguments"


def test_environment_values_are_parsed_as_json_where_they_parse(tmp_path):
    environ = {
        "MESSAGEBOARD_LEGACY_GET_WRITES": "false",
        "MESSAGEBOARD_DATABASE_URL": "sqlite:///x.db",
        "MESSAGEBOARD_MESSAGES_PER_PAGE": "50",
    }
    values = settings_for(tmp_path, environ).values
    assert (values["LEGACY_GET_WRITES"], values["DATABASE_URL"], values["MESSAGES_PER_PAGE"]) == (
        False,
        "sqlite:///x.db",
        50,
    )


def test_layer_selectors_are_not_settings(tmp_path):
    named = tmp_path / "named.cfg"
    named.write_text("")
    values = settings_for(
        tmp_path,
        {
            "MESSAGEBOARD_CONFIG": "testing",
            "MESSAGEBOARD_SETTINGS": str(named),
            "MESSAGEBOARD_INSTANCE_PATH": str(tmp_path),
        },
    ).values
    assert not {"CONFIG", "SETTINGS", "INSTANCE_PATH"} & set(values)


def test_instance_folder_comes_from_the_environment(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("MESSAGEBOARD_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app("testing")
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert app.test_cli_runner().invoke(args=["db", "init"]).exit_code == 0
    assert (tmp_path / "elsewhere" / "messageboard.sqlite3").is_file()


def test_settings_file_that_is_missing_fails_with_one_line(tmp_path):
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {"MESSAGEBOARD_SETTINGS": str(tmp_path / "missing.cfg")})
    assert str(error.value) == (
        f"MESSAGEBOARD_SETTINGS names {tmp_path / 'missing.cfg'}, which cannot be "
        "read (No such file or directory): fix the path or unset it"
    )


def test_settings_file_with_an_error_fails_with_one_line(tmp_path):
    (tmp_path / "messageboard.cfg").write_text("MESSAGES_PER_PAGE = = 3\n")
    with pytest.raises(ConfigError, match=r"messageboard.cfg has an error \(SyntaxError: .*\): fix that file"):
        settings_for(tmp_path)


def test_production_without_a_secret_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "production"})
    assert "\n" not in str(error.value)
    assert str(error.value).startswith("No secret key: set MESSAGEBOARD_SECRET_KEY, or MESSAGEBOARD_SECRET_KEY_FILE")


@pytest.mark.parametrize("secret", [DevelopmentConfig.SECRET_KEY, "testing-only-not-secret"])
def test_production_with_a_secret_from_the_repository_refuses_to_start(tmp_path, secret):
    with pytest.raises(ConfigError, match="development key from the repository"):
        settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "production", "MESSAGEBOARD_SECRET_KEY": secret})


@pytest.mark.parametrize("config", ["production", "staging"])
@pytest.mark.parametrize("flag", ["DEBUG", "TESTING"])
def test_a_public_site_with_debug_or_testing_on_refuses_to_start(tmp_path, config, flag):
    with pytest.raises(ConfigError) as error:
        settings_for(
            tmp_path,
            {"MESSAGEBOARD_CONFIG": config, "MESSAGEBOARD_SECRET_KEY": "abc123", f"MESSAGEBOARD_{flag}": "true"},
        )
    assert str(error.value).startswith(f"{flag} is on in an environment that serves people")
    assert "\n" not in str(error.value)


def test_debug_on_does_not_let_production_use_the_repositorys_secret(tmp_path):
    with pytest.raises(ConfigError, match="^DEBUG is on"):
        settings_for(
            tmp_path,
            {
                "MESSAGEBOARD_CONFIG": "production",
                "MESSAGEBOARD_DEBUG": "true",
                "MESSAGEBOARD_SECRET_KEY": DevelopmentConfig.SECRET_KEY,
            },
        )


def test_production_reads_the_secret_from_the_environment_and_is_not_debug(tmp_path):
    settings = settings_for(tmp_path, {**PRODUCTION, "MESSAGEBOARD_SECRET_KEY": "abc123"})
    assert settings.values["SECRET_KEY"] == "abc123"
    assert settings.values["DEBUG"] is False
    assert settings.values["LEGACY_GET_WRITES"] is False


def test_production_reads_the_secret_from_a_file_at_start_up(tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    settings = settings_for(tmp_path, {**PRODUCTION, "MESSAGEBOARD_SECRET_KEY_FILE": str(secret_file)})
    assert settings.values["SECRET_KEY"] == "from-a-file"
    assert settings.sources["SECRET_KEY"] == f"SECRET_KEY_FILE ({secret_file})"


@pytest.mark.parametrize(("content", "problem"), [(None, "cannot be read"), ("  \n", "is empty")])
def test_secret_key_file_that_is_missing_or_empty_fails(tmp_path, content, problem):
    secret_file = tmp_path / "secret"
    if content is not None:
        secret_file.write_text(content)
    with pytest.raises(ConfigError, match=problem):
        settings_for(tmp_path, {**PRODUCTION, "MESSAGEBOARD_SECRET_KEY_FILE": str(secret_file)})


@pytest.mark.parametrize(
    ("setting", "value", "problem"),
    [
        ("MESSAGES_PER_PAGE", "lots", "MESSAGES_PER_PAGE must be a whole number from 1 to 1000, not 'lots'"),
        ("MESSAGES_PER_PAGE", "0", "MESSAGES_PER_PAGE must be a whole number from 1 to 1000, not 0"),
        ("STATIC_URL_PATH", "static", "STATIC_URL_PATH must start with '/'"),
        ("STATIC_FOLDER", "/no/such/folder", "STATIC_FOLDER names /no/such/folder, which is not a folder"),
        ("LEGACY_GET_WRITES", "maybe", "LEGACY_GET_WRITES must be true or false, not 'maybe'"),
        (
            "DATABASE_URL",
            "postgres://site@db/site",
            (
                "DATABASE_URL names postgres, which the site does not use: "
                "set it to sqlite:////path/to/file.sqlite3 or postgresql+psycopg://"
            ),
        ),
        (
            "DATABASE_URL",
            "postgresql+psycopg2://site@db/site",
            "DATABASE_URL names postgresql+psycopg2, which the site",
        ),
        (
            "DATABASE_URL",
            "mysql+pymysql://site@db/site",
            "DATABASE_URL names mysql+pymysql, which the site does not use",
        ),
        ("DATABASE_URL", "db.example.org", "DATABASE_URL is not a database URL: set it to sqlite:///"),
        ("DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE must be a whole number from 1 up, not 0"),
        ("DATABASE_CONNECT_TIMEOUT", "1", "DATABASE_CONNECT_TIMEOUT must be a whole number from 2 up, not 1"),
        ("DATABASE_POOL_TIMEOUT", "0", "DATABASE_POOL_TIMEOUT must be a number of seconds above 0, not 0"),
        ("DATABASE_BUSY_TIMEOUT", "soon", "DATABASE_BUSY_TIMEOUT must be a number of seconds above 0, not 'soon'"),
    ],
)
def test_bad_values_fail_at_start_up_naming_the_setting(tmp_path, setting, value, problem):
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {f"MESSAGEBOARD_{setting}": value})
    assert str(error.value).startswith(problem)
    assert "\n" not in str(error.value)


def test_a_postgresql_url_without_a_driver_means_psycopg(tmp_path):
    """SQLAlchemy 2.1 reads postgresql:// as psycopg 3, the driver the site uses."""
    settings = settings_for(tmp_path, {"MESSAGEBOARD_DATABASE_URL": "postgresql://site@db/site"})
    assert settings.values["DATABASE_URL"] == "postgresql://site@db/site"


def test_create_app_applies_the_environment(make_app, monkeypatch):
    monkeypatch.setenv("MESSAGEBOARD_MESSAGES_PER_PAGE", "5")
    app = make_app()
    assert app.config["MESSAGES_PER_PAGE"] == 5
    assert app.extensions["messageboard.settings_sources"]["MESSAGES_PER_PAGE"] == "$MESSAGEBOARD_MESSAGES_PER_PAGE"


def test_create_app_refuses_production_without_a_secret(make_app):
    with pytest.raises(ConfigError):
        make_app("production")
