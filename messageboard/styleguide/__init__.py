"""The styleguide at /_styleguide: every page template and macro in each state, from a fixtures file.

Mounted only where ``STYLEGUIDE`` is on (Development, Staging); ``flask export --styleguide`` adds it
to a static export.
"""

from messageboard.styleguide.fixtures import STATE_NAME
from messageboard.styleguide.views import URL_PREFIX, bp, fixtures

__all__ = ["STATE_NAME", "URL_PREFIX", "bp", "fixtures"]
