"""How the page being rendered will be seen: on the live site, in a static export, or as a styleguide state.

One object per request, which templates read as ``render_mode`` and views ask through ``render_mode()``.
The static export sets it on its requests, the styleguide on its pages; no feature asks another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import Flask, has_request_context, request

# The key of the WSGI environ under which a request carries its mode (the export sets it on its own).
RENDER_MODE = "messageboard.render_mode"

Flash = tuple[str, str]  # (category, text), as get_flashed_messages(with_categories=True) gives them


@dataclass(frozen=True)
class RenderMode:
    """How a page renders: for the live site, for a static export, or for a styleguide state.

    ``exported``: the static export asked for the page, to write it as a file (no session, no
    development script). ``read_only``: the page is the snapshot variant (no forms, no edit links,
    the preview notice, the in-browser search). ``indexed``: an export search engines may index
    (``flask export --index``); others say noindex. ``state``: the styleguide state it shows, if any.
    ``color_scheme``: "light" or "dark" for a styleguide state shown in that scheme whatever the
    visitor chose (the viewport switcher's frames); None: the visitor's.
    ``flashes``: the notices it shows instead of the visitor's, who keeps theirs; None: the visitor's.
    """

    exported: bool = False
    read_only: bool = False
    indexed: bool = False
    state: Any = None
    color_scheme: str | None = None
    flashes: tuple[Flash, ...] | None = None

    def previewing(self, state: Any = None, *, read_only: bool = False, flashes=(), color_scheme=None) -> RenderMode:
        """This mode for a page of sample data: its own look and flashes, still exported if this one is."""
        return replace(self, read_only=read_only, state=state, flashes=tuple(flashes), color_scheme=color_scheme)

    def get_flashed_messages(self, with_categories: bool = False, category_filter=()) -> list:
        """Flask's get_flashed_messages, over this mode's own flashes: the session's are neither read nor taken."""
        flashes = [flash for flash in self.flashes or () if not category_filter or flash[0] in category_filter]
        return flashes if with_categories else [text for _, text in flashes]


LIVE = RenderMode()
EXPORT = RenderMode(exported=True, read_only=True)


def mode_of(environ: Mapping) -> RenderMode:
    """The mode a request's WSGI environ carries: the live site's, unless the export or the styleguide set one."""
    return environ.get(RENDER_MODE, LIVE)


def render_mode() -> RenderMode:
    """The mode of the current request (the live site's outside one)."""
    return mode_of(request.environ) if has_request_context() else LIVE


def set_render_mode(mode: RenderMode) -> None:
    """Render the rest of the current request in ``mode``."""
    # On the request, not on g: an app context (a CLI command's) may outlive many requests.
    request.environ[RENDER_MODE] = mode


def render_mode_context() -> dict:
    """``render_mode`` for every template, and the names themes used before it."""
    mode = render_mode()
    context = {"render_mode": mode, "static_export": mode.read_only, "styleguide_state": mode.state}
    if mode.flashes is not None:
        # A context variable hides the Jinja global of the same name, Flask's, which would take the visitor's.
        context["get_flashed_messages"] = mode.get_flashed_messages
    return context


def init_render_mode(app: Flask) -> None:
    """Give every template the current request's render mode."""
    app.context_processor(render_mode_context)
