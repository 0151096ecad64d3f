"""The message pages: list and search, show, add, edit and delete through HTML forms."""

from messageboard.messages.views import bp

__all__ = ["bp"]
