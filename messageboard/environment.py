"""The environment the site runs in: whether it serves people, debug and testing, its secret key, and
the types of Flask's own settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from flask import Flask

from config.settings import DevelopmentConfig, TestingConfig
from messageboard.core import ConfigError
from messageboard.core.setting import UNSET, Setting, flag, names, optional_seconds, parse_whole, path, text, whole

SETTINGS: tuple[Setting, ...] = (
    flag("DEBUG", False),
    flag("TESTING", False),
    # Staging and Production serve people: they refuse DEBUG, TESTING and the repository's secrets.
    flag("PUBLIC_SITE", False),
    # Production reads the key from MESSAGEBOARD_SECRET_KEY or the file SECRET_KEY_FILE names, at
    # start-up (messageboard.settings reads the file).
    text("SECRET_KEY", None),
    path("SECRET_KEY_FILE", None),
)


def _flask_setting(name: str, default) -> Setting:
    """The type of one of Flask's own settings, from its default where that says it."""
    if name in FLASK_SETTINGS_OF_NO_DEFAULT_TYPE:
        return FLASK_SETTINGS_OF_NO_DEFAULT_TYPE[name]
    if isinstance(default, bool):
        return flag(name, UNSET)
    if isinstance(default, int):
        return whole(name, UNSET, least=0)
    return text(name, UNSET)


# Flask's settings whose default (None, a timedelta) does not say their type.
FLASK_SETTINGS_OF_NO_DEFAULT_TYPE: dict[str, Setting] = {
    setting.name: setting
    for setting in (
        flag("PROPAGATE_EXCEPTIONS", UNSET, optional=True),
        flag("TRAP_BAD_REQUEST_ERRORS", UNSET, optional=True),
        flag("TEMPLATES_AUTO_RELOAD", UNSET, optional=True),
        names("SECRET_KEY_FALLBACKS", UNSET, nullable=True),
        text("SERVER_NAME", UNSET, nullable=True),
        text("SESSION_COOKIE_DOMAIN", UNSET, nullable=True),
        text("SESSION_COOKIE_PATH", UNSET, nullable=True),
        optional_seconds("SEND_FILE_MAX_AGE_DEFAULT", UNSET, none_means="no max-age"),
        Setting(
            "PERMANENT_SESSION_LIFETIME",
            UNSET,
            lambda value: isinstance(value, timedelta) or (isinstance(value, int) and not isinstance(value, bool)),
            "{name} must be a whole number of seconds, not {value}",
            parse_whole,
        ),
    )
}
# Flask's own settings, read as their type from the environment and checked like the site's; only
# the site's features give them defaults of their own.
FLASK_OWN_SETTINGS: tuple[Setting, ...] = tuple(
    _flask_setting(name, default) for name, default in Flask.default_config.items()
)

# Secrets that ship in the repository: fine for a laptop, never for a site people use.
PUBLIC_SECRETS = frozenset({DevelopmentConfig.SECRET_KEY, TestingConfig.SECRET_KEY})


def check_settings(values: Mapping) -> None:
    """A public site runs without DEBUG and TESTING, and every site with a secret of its own."""
    for name in ("DEBUG", "TESTING"):
        if values.get("PUBLIC_SITE") and values.get(name):
            raise ConfigError(
                f"{name} is on in an environment that serves people (Staging, Production): "
                "turn it off where it is set, or use MESSAGEBOARD_CONFIG=development",
                setting=name,
            )
    public_environment = values.get("PUBLIC_SITE") or not (values.get("DEBUG") or values.get("TESTING"))
    secret = values.get("SECRET_KEY")
    if not secret:
        raise ConfigError(
            "No secret key: set MESSAGEBOARD_SECRET_KEY, or MESSAGEBOARD_SECRET_KEY_FILE to a file "
            "holding one (make one with: python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    if public_environment and secret in PUBLIC_SECRETS:
        raise ConfigError(
            "SECRET_KEY is the development key from the repository: set "
            "MESSAGEBOARD_SECRET_KEY or MESSAGEBOARD_SECRET_KEY_FILE to a secret of your own",
            setting="SECRET_KEY",
        )
