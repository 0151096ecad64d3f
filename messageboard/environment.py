"""The environment the site runs in: whether it serves people, debug and testing, and its secret key."""

from __future__ import annotations

from collections.abc import Mapping

from config.settings import DevelopmentConfig, TestingConfig
from messageboard.core import ConfigError
from messageboard.core.setting import Setting, flag, path

SETTINGS: tuple[Setting, ...] = (
    flag("DEBUG", False),
    flag("TESTING", False),
    # Staging and Production serve people: they refuse DEBUG, TESTING and the repository's secrets.
    flag("PUBLIC_SITE", False),
    # Production reads the key from MESSAGEBOARD_SECRET_KEY or the file SECRET_KEY_FILE names, at
    # start-up (messageboard.settings reads the file).
    Setting("SECRET_KEY", None),
    path("SECRET_KEY_FILE", None),
)

# Secrets that ship in the repository: fine for a laptop, never for a site people use.
PUBLIC_SECRETS = frozenset({DevelopmentConfig.SECRET_KEY, TestingConfig.SECRET_KEY})


def check_settings(values: Mapping) -> None:
    """A public site runs without DEBUG and TESTING, and every site with a secret of its own."""
    for name in ("DEBUG", "TESTING"):
        if values.get("PUBLIC_SITE") and values.get(name):
            raise ConfigError(
                f"{name} is on in an environment that serves people (Staging, Production): "
                f"unset MESSAGEBOARD_{name}, or use MESSAGEBOARD_CONFIG=development"
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
            "MESSAGEBOARD_SECRET_KEY or MESSAGEBOARD_SECRET_KEY_FILE to a secret of your own"
        )
