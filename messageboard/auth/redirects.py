"""Where a login may send the browser afterwards: only to a page of this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import url_for


def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else the home page."""
    if not target or any(character.isspace() or ord(character) < 32 for character in target):
        return url_for("messages.index")
    # Browsers read "\\" as "/", so "/\\evil.example" would leave the site like "//evil.example".
    parts = urlsplit(target.replace("\\", "/"))
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("messages.index")
    return target
