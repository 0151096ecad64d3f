"""Resolve the settings from their layers, remembering which layer set each one.

The layers, each overriding the one before:

1. a settings class from ``config/settings.py`` (or any class, by dotted path), over the defaults
   each feature declares (its ``SETTINGS``, see ``FEATURES``), which every class inherits;
2. ``instance/messageboard.cfg``, if present;
3. the file named by ``MESSAGEBOARD_SETTINGS``, if that variable is set;
4. ``MESSAGEBOARD_*`` environment variables (values parsed as JSON where they parse);
5. keyword arguments to ``create_app`` (tests use these).

Then every feature checks its own settings, in the order of ``FEATURES``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from flask import Config
from werkzeug.utils import ImportStringError, import_string

from config.settings import CONFIG_CLASSES
from messageboard import (
    auth,
    environment,
    forms,
    http_security,
    legacy,
    live_reload,
    messages,
    page_cache,
    request_limits,
    styleguide,
)
from messageboard.assets import settings as assets_settings
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.core.setting import check_all, defaults
from messageboard.database import settings as database_settings

ENV_PREFIX = "MESSAGEBOARD"
CONFIG_ENV_VAR = f"{ENV_PREFIX}_CONFIG"
SETTINGS_ENV_VAR = f"{ENV_PREFIX}_SETTINGS"
INSTANCE_PATH_ENV_VAR = f"{ENV_PREFIX}_INSTANCE_PATH"
# Environment variables that choose where settings come from rather than being settings.
LAYER_SELECTORS = frozenset({CONFIG_ENV_VAR, SETTINGS_ENV_VAR, INSTANCE_PATH_ENV_VAR})
INSTANCE_SETTINGS_FILE = "messageboard.cfg"
DEFAULT_CONFIG = "development"

# Every module declaring settings (``SETTINGS``, and ``check_settings`` for rules across them), in
# the order they are checked: the environment first, since a public site with DEBUG on is the
# mistake to name before any other.
FEATURES: tuple[ModuleType, ...] = (
    environment,
    messages,
    page_cache,
    assets_settings,
    live_reload,
    styleguide,
    legacy,
    auth,
    forms,
    request_limits,
    http_security,
    database_settings,
)


@dataclass
class Settings:
    """Resolved setting values plus, for each, a description of the layer that set it."""

    values: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def apply(self, layer: Mapping, source: str) -> None:
        """Copy the upper-case keys of ``layer`` over the current values, recording ``source``."""
        for key, value in layer.items():
            if key.isupper():
                self.values[key] = value
                self.sources[key] = source


def settings_class(name_or_class) -> type:
    """Return the settings class for a short name, a dotted path or a class."""
    if isinstance(name_or_class, type):
        return name_or_class
    name = str(name_or_class).strip()
    if name.lower() in CONFIG_CLASSES:
        return CONFIG_CLASSES[name.lower()]
    if "." in name:
        try:
            return import_string(name)
        except ImportStringError:
            pass
    choices = ", ".join(CONFIG_CLASSES)
    raise ConfigError(
        f"{CONFIG_ENV_VAR}={name!r} is not a settings class: set it to one of {choices} "
        "or a dotted path such as mysite.settings.MyConfig"
    )


def instance_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Return the instance folder: ``MESSAGEBOARD_INSTANCE_PATH``, else ``instance/`` in the project."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(INSTANCE_PATH_ENV_VAR) or PROJECT_ROOT / "instance").resolve()


def load_settings(
    config=None, *, instance_path: Path, overrides: Mapping | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve every layer into one ``Settings`` and check it, raising ``ConfigError`` if wrong."""
    environ = os.environ if environ is None else environ
    settings = Settings()

    chosen = settings_class(config if config is not None else environ.get(CONFIG_ENV_VAR, DEFAULT_CONFIG))
    class_layer = Config(
        PROJECT_ROOT, {name: value for feature in FEATURES for name, value in defaults(feature.SETTINGS).items()}
    )
    class_layer.from_object(chosen)
    settings.apply(class_layer, f"class {chosen.__module__}.{chosen.__qualname__}")

    instance_file = Path(instance_path) / INSTANCE_SETTINGS_FILE
    if instance_file.is_file():
        settings.apply(_read_pyfile(instance_file, "the instance settings file"), str(instance_file))

    named_file = environ.get(SETTINGS_ENV_VAR)
    if named_file:
        settings.apply(_read_pyfile(Path(named_file), f"{SETTINGS_ENV_VAR}"), f"${SETTINGS_ENV_VAR} ({named_file})")

    for name in sorted(environ):
        if name.startswith(f"{ENV_PREFIX}_") and name not in LAYER_SELECTORS:
            settings.apply({name.removeprefix(f"{ENV_PREFIX}_"): _parse_env_value(environ[name])}, f"${name}")

    settings.apply(overrides or {}, "create_app() arguments")
    _read_secret_key_file(settings)
    check_settings(settings.values)
    return settings


def check_settings(values: Mapping) -> None:
    """Ask each feature to check its settings: their types first, then its rules across them."""
    for feature in FEATURES:
        check_all(feature.SETTINGS, values)
        if hasattr(feature, "check_settings"):
            feature.check_settings(values)


def _parse_env_value(raw: str):
    """Parse an environment value as JSON (numbers, booleans, lists), else keep the string.

    The same rule as Flask's ``Config.from_prefixed_env``, which reads only ``os.environ``.
    """
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _read_pyfile(path: Path, what: str) -> Config:
    """Load a Python settings file into a fresh Config, turning any failure into one line."""
    layer = Config(PROJECT_ROOT)
    try:
        layer.from_pyfile(str(path.resolve()))
    except OSError as error:
        raise ConfigError(
            f"{what} names {path}, which cannot be read ({os.strerror(error.errno)}): fix the path or unset it"
        ) from None
    except Exception as error:  # noqa: BLE001 - a settings file can raise anything; report it as one line
        raise ConfigError(f"{path} has an error ({type(error).__name__}: {error}): fix that file") from None
    return layer


def _read_secret_key_file(settings: Settings) -> None:
    """Replace SECRET_KEY with the contents of SECRET_KEY_FILE when that setting names a file."""
    path = settings.values.get("SECRET_KEY_FILE")
    if not path:
        return
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(
            f"SECRET_KEY_FILE names {path}, which cannot be read ({error.strerror}): "
            "point it at a file holding the secret key"
        ) from None
    if not secret:
        raise ConfigError(f"SECRET_KEY_FILE names {path}, which is empty: write a secret key into it")
    settings.apply({"SECRET_KEY": secret}, f"SECRET_KEY_FILE ({path})")
