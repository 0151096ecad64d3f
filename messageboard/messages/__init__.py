"""The message pages: list and search, show, add, edit and delete through HTML forms."""

from messageboard.core.setting import Setting, whole
from messageboard.messages.views import bp

SETTINGS: tuple[Setting, ...] = (whole("MESSAGES_PER_PAGE", 20, least=1, most=1000),)

__all__ = ["SETTINGS", "bp"]
