"""Live reload for development: saving a template, style, script, image or assets.yml updates open pages.

Only apps with ``LIVE_RELOAD`` (Development) call ``views.init_live_reload``; elsewhere none of it
is registered, and no page names it. Pages learn of changes through server-sent events from the
same development server; the script that listens is added to each HTML page as it leaves. This
module imports nothing else: the file watcher (``watchfiles``) is a development dependency.
"""

from __future__ import annotations

from collections.abc import Mapping

from messageboard.core import ConfigError
from messageboard.core.setting import Setting, flag

SETTINGS: tuple[Setting, ...] = (
    # Open pages update when a template, style, script, image or assets.yml is saved (development
    # only: it needs ASSETS_AUTO_BUILD).
    flag("LIVE_RELOAD", False),
)


def check_settings(values: Mapping) -> None:
    """Live reload needs a server that rebuilds assets on change."""
    if values.get("LIVE_RELOAD") and not values.get("ASSETS_AUTO_BUILD"):
        raise ConfigError(
            "LIVE_RELOAD needs ASSETS_AUTO_BUILD (a development server): "
            "unset MESSAGEBOARD_LIVE_RELOAD, or use MESSAGEBOARD_CONFIG=development"
        )
