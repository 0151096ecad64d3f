"""A message's history: its revisions, one revision's text, the difference of two, and restoring one."""

from messageboard.history.views import bp

__all__ = ["bp"]
