"""Configuration as Flask's notes write it: from_object (a module or a class), from_pyfile and from_envvar,
each reached through the site's documented settings."""

import subprocess
import sys

import pytest

from messageboard.core import ConfigError
from tests.helpers import clean_environment, settings_for

# The notes' own example: `app.config.from_object('yourapplication.default_settings')`.
DEFAULT_SETTINGS = """\
DEBUG = False
SECRET_KEY = 'from-the-default-settings-module'
MESSAGES_PER_PAGE = 9
STATIC_MAX_AGE = 90


class ProductionLike:
    PUBLIC_SITE = True
    SECRET_KEY = 'from-a-class-in-the-module'
    TRUSTED_HOSTS = ['example.org']
    MESSAGES_PER_PAGE = 11
"""


@pytest.fixture
def yourapplication(tmp_path, monkeypatch):
    """A package ``yourapplication`` with a ``default_settings`` module, importable as the notes assume."""
    package = tmp_path / "packages" / "yourapplication"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "default_settings.py").write_text(DEFAULT_SETTINGS)
    monkeypatch.syspath_prepend(str(package.parent))
    yield package.parent
    for name in [name for name in sys.modules if name.split(".")[0] == "yourapplication"]:
        del sys.modules[name]


def test_from_object_takes_a_module_by_dotted_path(tmp_path, yourapplication):
    settings = settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "yourapplication.default_settings"})
    assert settings.values["MESSAGES_PER_PAGE"] == 9
    assert settings.values["SECRET_KEY"] == "from-the-default-settings-module"
    assert settings.sources["MESSAGES_PER_PAGE"] == "module yourapplication.default_settings"
    # A module's lower-case names and classes are not settings, as from_object reads it.
    assert "ProductionLike" not in settings.values


def test_from_object_takes_a_class_by_dotted_path(tmp_path, yourapplication):
    settings = settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "yourapplication.default_settings.ProductionLike"})
    assert settings.values["MESSAGES_PER_PAGE"] == 11 and settings.values["PUBLIC_SITE"] is True
    assert settings.sources["MESSAGES_PER_PAGE"] == "class yourapplication.default_settings.ProductionLike"


def test_a_module_that_fails_to_import_is_one_line(tmp_path, yourapplication):
    (yourapplication / "yourapplication" / "broken.py").write_text("SECRET_KEY = undefined_name\n")
    with pytest.raises(ConfigError) as error:
        settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "yourapplication.broken"})
    assert str(error.value) == (
        "MESSAGEBOARD_CONFIG='yourapplication.broken' cannot be imported "
        "(NameError: name 'undefined_name' is not defined): fix that module"
    )


def test_a_dotted_path_to_something_else_is_refused(tmp_path, yourapplication):
    with pytest.raises(ConfigError, match="is not a settings class or module"):
        settings_for(tmp_path, {"MESSAGEBOARD_CONFIG": "yourapplication.default_settings.SECRET_KEY"})


def test_the_notes_layers_through_the_flask_command(tmp_path, yourapplication):
    """from_object(module), then from_pyfile (the instance file), then from_envvar, as a user runs them."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "messageboard.cfg").write_text("MESSAGES_PER_PAGE = 12\n")
    named = tmp_path / "yourapplication.cfg"
    named.write_text("STATIC_MAX_AGE = 30\n")
    environment = {
        **clean_environment(),
        "PYTHONPATH": str(yourapplication),
        "MESSAGEBOARD_CONFIG": "yourapplication.default_settings",
        "MESSAGEBOARD_INSTANCE_PATH": str(instance),
        "MESSAGEBOARD_SETTINGS": str(named),
    }
    shown = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "config"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = {line.split(" = ")[0]: line for line in shown.stdout.splitlines()}
    assert lines["DEBUG"] == "DEBUG = False  [module yourapplication.default_settings]"
    assert lines["MESSAGES_PER_PAGE"] == f"MESSAGES_PER_PAGE = 12  [{instance / 'messageboard.cfg'}]"
    assert lines["STATIC_MAX_AGE"] == f"STATIC_MAX_AGE = 30  [$MESSAGEBOARD_SETTINGS ({named})]"
    assert shown.stderr == ""
