"""Resolve the settings from their layers, remembering which layer set each one.

The layers, each overriding the one before:

1. a settings class from ``config/settings.py`` (or any class, by dotted path);
2. ``instance/messageboard.cfg``, if present;
3. the file named by ``MESSAGEBOARD_SETTINGS``, if that variable is set;
4. ``MESSAGEBOARD_*`` environment variables (values parsed as JSON where they parse);
5. keyword arguments to ``create_app`` (tests use these).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from flask import Config
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.utils import ImportStringError, import_string

from config.settings import CONFIG_CLASSES, DevelopmentConfig, TestingConfig
from messageboard.database import SUPPORTED_DRIVERS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "MESSAGEBOARD"
CONFIG_ENV_VAR = f"{ENV_PREFIX}_CONFIG"
SETTINGS_ENV_VAR = f"{ENV_PREFIX}_SETTINGS"
INSTANCE_PATH_ENV_VAR = f"{ENV_PREFIX}_INSTANCE_PATH"
# Environment variables that choose where settings come from rather than being settings.
LAYER_SELECTORS = frozenset({CONFIG_ENV_VAR, SETTINGS_ENV_VAR, INSTANCE_PATH_ENV_VAR})
INSTANCE_SETTINGS_FILE = "messageboard.cfg"
DEFAULT_CONFIG = "development"

# Hop counts for werkzeug's ProxyFix, one per X-Forwarded-* header (see messageboard.http_security).
PROXY_FIX_SETTINGS = ("PROXY_FIX_X_FOR", "PROXY_FIX_X_PROTO", "PROXY_FIX_X_HOST", "PROXY_FIX_X_PORT",
                      "PROXY_FIX_X_PREFIX")

# Secrets that ship in the repository: fine for a laptop, never for a site people use.
PUBLIC_SECRETS = frozenset({DevelopmentConfig.SECRET_KEY, TestingConfig.SECRET_KEY})


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line saying what to set."""


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


def load_settings(config=None, *, instance_path: Path, overrides: Mapping | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve every layer into one ``Settings`` and check it, raising ``ConfigError`` if wrong."""
    environ = os.environ if environ is None else environ
    settings = Settings()

    chosen = settings_class(config if config is not None else environ.get(CONFIG_ENV_VAR, DEFAULT_CONFIG))
    class_layer = Config(PROJECT_ROOT)
    class_layer.from_object(chosen)
    settings.apply(class_layer, f"class {chosen.__module__}.{chosen.__qualname__}")

    instance_file = Path(instance_path) / INSTANCE_SETTINGS_FILE
    if instance_file.is_file():
        settings.apply(_read_pyfile(instance_file, "the instance settings file"), str(instance_file))

    named_file = environ.get(SETTINGS_ENV_VAR)
    if named_file:
        settings.apply(_read_pyfile(Path(named_file), f"{SETTINGS_ENV_VAR}"),
                       f"${SETTINGS_ENV_VAR} ({named_file})")

    for name in sorted(environ):
        if name.startswith(f"{ENV_PREFIX}_") and name not in LAYER_SELECTORS:
            settings.apply({name.removeprefix(f"{ENV_PREFIX}_"): _parse_env_value(environ[name])}, f"${name}")

    settings.apply(overrides or {}, "create_app() arguments")
    _read_secret_key_file(settings)
    _check(settings.values)
    return settings


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
        raise ConfigError(f"{what} names {path}, which cannot be read ({os.strerror(error.errno)}): "
                          "fix the path or unset it") from None
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
        raise ConfigError(f"SECRET_KEY_FILE names {path}, which cannot be read ({error.strerror}): "
                          "point it at a file holding the secret key") from None
    if not secret:
        raise ConfigError(f"SECRET_KEY_FILE names {path}, which is empty: write a secret key into it")
    settings.apply({"SECRET_KEY": secret}, f"SECRET_KEY_FILE ({path})")


def _check(values: Mapping) -> None:
    """Raise ConfigError, naming the setting to fix, for any value the site cannot run with."""
    for flag in ("DEBUG", "TESTING"):
        if values.get("PUBLIC_SITE") and values.get(flag):
            raise ConfigError(f"{flag} is on in an environment that serves people (Staging, Production): "
                              f"unset MESSAGEBOARD_{flag}, or use MESSAGEBOARD_CONFIG=development")
    public_environment = values.get("PUBLIC_SITE") or not (values.get("DEBUG") or values.get("TESTING"))
    secret = values.get("SECRET_KEY")
    if not secret:
        raise ConfigError("No secret key: set MESSAGEBOARD_SECRET_KEY, or MESSAGEBOARD_SECRET_KEY_FILE to a file "
                          "holding one (make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')")
    if public_environment and secret in PUBLIC_SECRETS:
        raise ConfigError("SECRET_KEY is the development key from the repository: set "
                          "MESSAGEBOARD_SECRET_KEY or MESSAGEBOARD_SECRET_KEY_FILE to a secret of your own")

    per_page = values.get("MESSAGES_PER_PAGE")
    if isinstance(per_page, bool) or not isinstance(per_page, int) or not 1 <= per_page <= 1000:
        raise ConfigError(f"MESSAGES_PER_PAGE must be a whole number from 1 to 1000, not {per_page!r}")

    cache_size = values.get("PAGE_CACHE_SIZE")
    if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 0:
        raise ConfigError(f"PAGE_CACHE_SIZE must be a whole number from 0 up (0 turns the cache off), "
                          f"not {cache_size!r}")

    url_path = values.get("STATIC_URL_PATH")
    if not isinstance(url_path, str) or not url_path.startswith("/") or url_path.endswith("/"):
        raise ConfigError(f"STATIC_URL_PATH must start with '/' and not end with one, "
                          f"like /static, not {url_path!r}")

    folder = values.get("STATIC_FOLDER")
    if folder is not None and not static_folder_path(values).is_dir():
        raise ConfigError(f"STATIC_FOLDER names {folder}, which is not a folder: "
                          "set it to the folder holding css/, js/ and images/")

    theme = values.get("THEME_FOLDER")
    if theme is not None and not theme_folder_path(values).is_dir():
        raise ConfigError(f"THEME_FOLDER names {theme}, which is not a folder: set it to a folder holding "
                          "templates/ and/or static/, or unset MESSAGEBOARD_THEME_FOLDER")

    if values.get("LIVE_RELOAD") and not values.get("ASSETS_AUTO_BUILD"):
        raise ConfigError("LIVE_RELOAD needs ASSETS_AUTO_BUILD (a development server): "
                          "unset MESSAGEBOARD_LIVE_RELOAD, or use MESSAGEBOARD_CONFIG=development")

    _check_requests(values)
    _check_database(values)

    for flag in ("LEGACY_GET_WRITES", "DEBUG", "TESTING", "LIVE_RELOAD", "STYLEGUIDE", "ASSETS_AUTO_BUILD",
                 "PUBLIC_SITE", "ANONYMOUS_EDITING", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY"):
        if not isinstance(values.get(flag), bool):
            raise ConfigError(f"{flag} must be true or false, not {values.get(flag)!r}")


def _whole_number(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_requests(values: Mapping) -> None:
    """The settings for what requests may carry and which of their headers to believe."""
    for name in ("MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS"):
        if not _whole_number(values.get(name)) or values[name] < 1:
            raise ConfigError(f"{name} must be a whole number from 1 up, not {values.get(name)!r}")
    for name in ("HSTS_SECONDS", *PROXY_FIX_SETTINGS):
        if not _whole_number(values.get(name)) or values[name] < 0:
            raise ConfigError(f"{name} must be a whole number from 0 up (0: off), not {values.get(name)!r}")

    hosts = values.get("TRUSTED_HOSTS")
    example = 'MESSAGEBOARD_TRUSTED_HOSTS=\'["example.org", ".example.org"]\''
    if hosts is not None and (not isinstance(hosts, list | tuple) or not hosts):
        raise ConfigError(f"TRUSTED_HOSTS must be a list of host names, like {example}, "
                          f"or null to answer any host, not {hosts!r}")
    for host in hosts or ():
        if not isinstance(host, str) or not _is_host_name(host.removeprefix(".")):
            raise ConfigError(f"TRUSTED_HOSTS has {host!r}, which is not a host name: write names like "
                              f"{example} (a leading dot also accepts subdomains), without scheme or path")


def _is_host_name(host: str) -> bool:
    """Whether ``host`` is a name or address, with an optional port, as a Host header carries it."""
    try:
        return host_is_trusted(host.encode("idna").decode("ascii"), None)
    except UnicodeError:
        return False


def _check_database(values: Mapping) -> None:
    """The database URL, pool and timeouts (see docs/deploy.md for sizing the pool)."""
    url = values.get("DATABASE_URL")
    examples = "sqlite:////path/to/file.sqlite3 or postgresql+psycopg://user:password@host/database"
    if url is not None:
        try:
            parsed = make_url(url) if isinstance(url, str) else None
        except ArgumentError:
            parsed = None
        if parsed is None:
            raise ConfigError(f"DATABASE_URL is not a database URL: set it to {examples}, not {url!r}")
        driver = SUPPORTED_DRIVERS.get(parsed.get_backend_name())
        if driver is None or parsed.get_driver_name() != driver:
            raise ConfigError(f"DATABASE_URL names {parsed.drivername}, which the site does not use: "
                              f"set it to {examples}")
    for name, least in (("DATABASE_POOL_SIZE", 1), ("DATABASE_CONNECT_TIMEOUT", 2)):
        if not _whole_number(values.get(name)) or values[name] < least:
            raise ConfigError(f"{name} must be a whole number from {least} up, not {values.get(name)!r}")
    for name in ("DATABASE_POOL_TIMEOUT", "DATABASE_BUSY_TIMEOUT"):
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ConfigError(f"{name} must be a number of seconds above 0, not {value!r}")


def theme_folder_path(values: Mapping) -> Path | None:
    """Return the theme folder as an absolute path (relative settings are from the project), or None."""
    theme = values.get("THEME_FOLDER")
    return PROJECT_ROOT / theme if theme else None


def template_folders(values: Mapping) -> list[Path]:
    """The folders templates are looked up in, first found wins: the theme's, then the built-in one."""
    theme = theme_folder_path(values)
    themed = [theme / "templates"] if theme and (theme / "templates").is_dir() else []
    return [*themed, PROJECT_ROOT / "templates"]


def static_folder_path(values: Mapping) -> Path:
    """Return the static folder as an absolute path; relative settings are from the project root."""
    return PROJECT_ROOT / (values.get("STATIC_FOLDER") or "static")
