"""The trash: deleted messages, who deleted them and when, restoring one whole, and purging old ones."""

from messageboard.trash.views import bp

__all__ = ["bp"]
