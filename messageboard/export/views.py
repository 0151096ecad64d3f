"""The export's blueprint: the search index its pages load, its session rule and ``flask export``."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort

from messageboard import store
from messageboard.export.commands import export_command
from messageboard.export.sessions import NoSessionForExports
from messageboard.render_mode import render_mode

bp = Blueprint("export", __name__, cli_group=None)
bp.cli.add_command(export_command)

# Enough text to find almost every message by what it says, without an index of whole texts.
SEARCH_TEXT_LENGTH = 1000


def is_export_request() -> bool:
    """Whether the current request renders a page for a static export."""
    return render_mode().exported


@bp.record_once
def use_export_aware_sessions(state) -> None:
    """Install the session interface that keeps sessions out of exported pages."""
    state.app.session_interface = NoSessionForExports()


@bp.get("/search-index.js")
def search_index():
    """Every message's key and (the start of) its text, for the export's in-browser search."""
    if not is_export_request():
        abort(404)
    entries = [{"key": key, "text": text} for key, text in store.excerpts(SEARCH_TEXT_LENGTH)]
    # A script, not a .json fetched at run time: browsers refuse fetch() on pages opened from disk.
    body = f"window.messageboardSearchIndex = {json.dumps(entries, ensure_ascii=False, separators=(',', ':'))};\n"
    return Response(body, mimetype="text/javascript")
