"""Resolve the settings from their layers, remembering which layer set each one.

The layers, each overriding the one before:

0. the defaults each feature declares beside the code that reads them (its ``SETTINGS``, see
   ``FEATURES``);
1. a settings class from ``config/settings.py`` by name, or any class or module by dotted path
   (its UPPERCASE names, as ``Config.from_object`` reads them);
2. ``instance/messageboard.cfg``, if present (``from_pyfile``);
3. the file named by ``MESSAGEBOARD_SETTINGS``, if that variable is set (``from_envvar``);
4. ``MESSAGEBOARD_*`` environment variables, each read as its setting's type (a string stays a
   string);
5. ``FLASK_DEBUG``, which ``flask --debug`` sets, for DEBUG: Flask's server follows it whatever
   the settings say, so the settings must say the same;
6. keyword arguments to ``create_app`` (tests use these).

A higher layer always wins, SECRET_KEY_FILE included: the file is read only if no higher layer
sets SECRET_KEY. Relative paths are taken from the project folder. Then every feature checks its
own settings, in the order of ``FEATURES``.
"""

from __future__ import annotations

import difflib
import logging
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
    templating,
)
from messageboard.assets import settings as assets_settings
from messageboard.core import PROJECT_ROOT, ConfigError, project_path
from messageboard.core.setting import Setting, check_all, defaults
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
    templating,
    request_limits,
    http_security,
    database_settings,
)


# Every setting by name: Flask's own first, then each feature's, which may declare one of Flask's
# anew (with the site's default and rule).
ALL_SETTINGS: dict[str, Setting] = {
    setting.name: setting
    for setting in (*environment.FLASK_OWN_SETTINGS, *(setting for feature in FEATURES for setting in feature.SETTINGS))
}
# Names a layer may set without a warning: every setting, and those of the settings classes.
KNOWN_NAMES = frozenset(ALL_SETTINGS) | {
    name for config_class in CONFIG_CLASSES.values() for name in dir(config_class) if name.isupper()
}
logger = logging.getLogger(__name__)
_warned: set[str] = set()

FLASK_DEBUG_ENV_VAR = "FLASK_DEBUG"
DEFAULT_SOURCE = "default"


@dataclass
class Settings:
    """Resolved setting values plus, for each, a description of the layer that set it."""

    values: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    # The SECRET_KEY_FILE to read once every layer is applied: named by a layer above any that
    # sets SECRET_KEY, so that the higher layer wins either way.
    secret_key_file: str | None = None

    def apply(self, layer: Mapping, source: str | Mapping[str, str]) -> None:
        """Copy the upper-case keys of ``layer`` over the current values, recording ``source`` (one for
        the layer, or one per key)."""
        keys = [key for key in layer if key.isupper()]
        for key in keys:
            self.values[key] = layer[key]
            self.sources[key] = source if isinstance(source, str) else source[key]
        if "SECRET_KEY_FILE" in keys:
            if layer["SECRET_KEY_FILE"] and "SECRET_KEY" in keys:
                raise ConfigError(
                    f"SECRET_KEY and SECRET_KEY_FILE are both set by {self.sources['SECRET_KEY']}: keep one of them"
                )
            self.secret_key_file = layer["SECRET_KEY_FILE"] or None
        elif "SECRET_KEY" in keys:
            self.secret_key_file = None


def settings_object(name_or_object) -> type | ModuleType:
    """Return the settings class or module for a short name, a dotted path, a class or a module."""
    if isinstance(name_or_object, type | ModuleType):
        return name_or_object
    name = str(name_or_object).strip()
    if name.lower() in CONFIG_CLASSES:
        return CONFIG_CLASSES[name.lower()]
    found = None
    if "." in name:
        try:
            found = import_string(name)
        except ImportStringError:
            pass
        except Exception as error:  # noqa: BLE001 - a settings module can raise anything; report it as one line
            raise ConfigError(
                f"{CONFIG_ENV_VAR}={name!r} cannot be imported ({type(error).__name__}: {error}): fix that module"
            ) from None
    if isinstance(found, type | ModuleType):
        return found
    choices = ", ".join(CONFIG_CLASSES)
    raise ConfigError(
        f"{CONFIG_ENV_VAR}={name!r} is not a settings class or module: set it to one of {choices}, "
        "or a dotted path such as mysite.settings (a module) or mysite.settings.MyConfig (a class)"
    )


def describe(chosen: type | ModuleType) -> str:
    """How ``flask config`` names the class or module a value came from."""
    if isinstance(chosen, ModuleType):
        return f"module {chosen.__name__}"
    return f"class {chosen.__module__}.{chosen.__qualname__}"


def instance_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Return the instance folder: ``MESSAGEBOARD_INSTANCE_PATH``, else ``instance/`` in the project."""
    environ = os.environ if environ is None else environ
    return project_path(environ.get(INSTANCE_PATH_ENV_VAR) or "instance").resolve()


def load_settings(
    config=None, *, instance_path: Path, overrides: Mapping | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Resolve every layer into one ``Settings`` and check it, raising ``ConfigError`` if wrong."""
    environ = os.environ if environ is None else environ
    settings = Settings()
    settings.apply(defaults(ALL_SETTINGS.values()), DEFAULT_SOURCE)

    chosen = settings_object(config if config is not None else environ.get(CONFIG_ENV_VAR, DEFAULT_CONFIG))
    class_layer = Config(PROJECT_ROOT)
    class_layer.from_object(chosen)
    apply_named(settings, class_layer, describe(chosen))

    instance_file = Path(instance_path) / INSTANCE_SETTINGS_FILE
    if instance_file.is_file():
        apply_named(settings, _read_pyfile(instance_file, "the instance settings file"), str(instance_file))

    named_file = environ.get(SETTINGS_ENV_VAR)
    if named_file:
        layer = _read_pyfile(project_path(named_file), f"{SETTINGS_ENV_VAR}")
        apply_named(settings, layer, f"${SETTINGS_ENV_VAR} ({named_file})")

    apply_environment(settings, environ)
    if environ.get(FLASK_DEBUG_ENV_VAR) is not None:
        settings.apply(
            {"DEBUG": flask_debug(environ[FLASK_DEBUG_ENV_VAR])}, f"${FLASK_DEBUG_ENV_VAR}, which flask --debug sets"
        )
    settings.apply(overrides or {}, "create_app() arguments")
    _read_secret_key_file(settings)
    try:
        check_settings(settings.values)
    except ConfigError as problem:
        raise with_source(problem, settings) from None
    return settings


def apply_named(settings: Settings, layer: Mapping, source: str) -> None:
    """Apply a class, module or file layer, warning about each name that is not a setting."""
    for name in layer:
        if name.isupper() and name not in KNOWN_NAMES:
            warn_unknown(name, f"{name} in {source}")
    settings.apply(layer, source)


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> None:
    """Apply each ``MESSAGEBOARD_*`` variable as one layer, read as its setting's type."""
    layer, sources = {}, {}
    for variable in sorted(environ):
        if not variable.startswith(f"{ENV_PREFIX}_") or variable in LAYER_SELECTORS:
            continue
        name = variable.removeprefix(f"{ENV_PREFIX}_")
        setting = ALL_SETTINGS.get(name)
        if setting is None:
            warn_unknown(name, variable, prefix=f"{ENV_PREFIX}_")
        layer[name] = setting.parse(environ[variable]) if setting else environ[variable]
        sources[name] = f"${variable}"
    settings.apply(layer, sources)


def warn_unknown(name: str, where: str, *, prefix: str = "") -> None:
    """Warn, once a process, that ``name`` is not a setting, naming the closest one that is."""
    if where in _warned:
        return
    _warned.add(where)
    closest = difflib.get_close_matches(name, sorted(ALL_SETTINGS), n=1, cutoff=0.7)
    hint = f"did you mean {prefix}{closest[0]}?" if closest else "see the settings table in the README"
    logger.warning("messageboard: %s is not a setting of the site, nor Flask's: %s", where, hint)


def flask_debug(text: str) -> bool:
    """FLASK_DEBUG as Flask reads it (``flask.helpers.get_debug_flag``): on unless empty, 0, false or no."""
    return bool(text) and text.lower() not in {"0", "false", "no"}


def with_source(problem: ConfigError, settings: Settings) -> ConfigError:
    """The problem, saying which layer set the setting at fault where that is not its default."""
    source = settings.sources.get(problem.setting or "")
    if source is None or source == DEFAULT_SOURCE:
        return problem
    return ConfigError(f"{problem} (set by {source})", setting=problem.setting)


def check_settings(values: Mapping) -> None:
    """Ask each feature to check its settings: their types first, then its rules across them."""
    check_all(tuple(ALL_SETTINGS.values()), values)
    for feature in FEATURES:
        if hasattr(feature, "check_settings"):
            feature.check_settings(values)


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
    """Replace SECRET_KEY with the contents of the SECRET_KEY_FILE that no higher layer overrode."""
    path = settings.secret_key_file
    if not path:
        return
    try:
        secret = project_path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(
            f"SECRET_KEY_FILE names {path}, which cannot be read ({error.strerror}): "
            "point it at a file holding the secret key"
        ) from None
    if not secret:
        raise ConfigError(f"SECRET_KEY_FILE names {path}, which is empty: write a secret key into it")
    settings.values["SECRET_KEY"] = secret
    settings.sources["SECRET_KEY"] = f"SECRET_KEY_FILE ({path})"
