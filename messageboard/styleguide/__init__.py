"""The styleguide at /_styleguide: every page template and macro in each state, from a fixtures file.

Mounted only where ``STYLEGUIDE`` is on (Development, Staging); ``flask export --styleguide`` adds it
to a static export.
"""

from messageboard.core.setting import Setting, flag, path
from messageboard.styleguide.fixtures import STATE_NAME
from messageboard.styleguide.views import URL_PREFIX, bp, fixtures

SETTINGS: tuple[Setting, ...] = (
    # /_styleguide: every page template and macro in each state, from a fixtures file.
    flag("STYLEGUIDE", False),
    path("STYLEGUIDE_FIXTURES", "messageboard/styleguide/fixtures.yml"),
)

__all__ = ["SETTINGS", "STATE_NAME", "URL_PREFIX", "bp", "fixtures"]
