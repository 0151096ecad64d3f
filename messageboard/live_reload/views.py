"""Live reload's stream of changes, its script, and the tag that adds the script to each HTML page."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request, request_started, send_file, url_for
from markupsafe import Markup

from messageboard.core import template_folders, whole_number
from messageboard.live_reload.watcher import FileWatcher
from messageboard.render_mode import render_mode

CLIENT_SCRIPT = Path(__file__).with_name("client.js")
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)

bp = Blueprint("live_reload", __name__, url_prefix="/_live-reload")


@bp.get("/events")
def events():
    """The stream of changes an open page listens to, from the one its page was rendered after."""
    watcher: FileWatcher = current_app.extensions["messageboard.live_reload"]
    # A reconnecting EventSource sends the last id it saw; a new page, the number it was rendered at.
    since = whole_number(request.headers.get("Last-Event-ID") or request.args.get("since")) or 0
    return Response(
        watcher.stream(since),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@bp.get("/client.js")
def client_script():
    """The script that listens to the stream and swaps the stylesheet or reloads the page."""
    return send_file(CLIENT_SCRIPT, mimetype="text/javascript", max_age=0)


def init_live_reload(app: Flask) -> FileWatcher:
    """Register the stream, its script, and the tag that adds the script to every HTML page."""
    assets = app.extensions["messageboard.assets"]
    watcher = FileWatcher(assets, template_folders(app.config), app.jinja_env.cache)
    app.extensions["messageboard.live_reload"] = watcher
    app.register_blueprint(bp)
    # A page showing a failed build must still be told when the fix is saved.
    assets.endpoints_without_assets |= {"live_reload.events", "live_reload.client_script"}

    def note_the_last_change(sender, **extra):
        # A change saved while this page renders, or before its script connects, still reaches it.
        # request_started runs before every before_request function, the asset rebuild included.
        watcher.start()
        g.live_reload_since = watcher.broadcaster.latest()

    request_started.connect(note_the_last_change, app, weak=False)

    @app.after_request
    def add_client_script(response: Response) -> Response:
        if (
            response.mimetype != "text/html"
            or response.is_streamed
            or response.direct_passthrough
            or render_mode().exported
        ):
            return response
        tag = Markup('<script src="{}" data-events="{}" defer></script>').format(
            url_for("live_reload.client_script"), url_for("live_reload.events", since=g.get("live_reload_since", 0))
        )
        body = response.get_data()
        body, added = HEAD_END.subn(lambda end: tag.encode() + end.group(0), body, count=1)
        if added:
            response.set_data(body)
        return response

    return watcher
