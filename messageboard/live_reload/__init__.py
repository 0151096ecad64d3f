"""Live reload for development: saving a template, style, script, image or assets.yml updates open pages.

Only apps with ``LIVE_RELOAD`` (Development) call ``init_live_reload``; elsewhere none of it is
registered, and no page names it. Pages learn of changes through server-sent events from the same
development server; the script that listens is added to each HTML page as it leaves.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, send_file, url_for
from markupsafe import Markup

from messageboard.export import is_export_request
from messageboard.live_reload.watcher import ChangeWatcher
from messageboard.settings import template_folders

CLIENT_SCRIPT = Path(__file__).with_name("client.js")
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)

bp = Blueprint("live_reload", __name__, url_prefix="/_live-reload")


@bp.get("/events")
def events():
    """The stream of changes an open page listens to."""
    watcher: ChangeWatcher = current_app.extensions["messageboard.live_reload"]
    return Response(watcher.stream(), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@bp.get("/client.js")
def client_script():
    """The script that listens to the stream and swaps the stylesheet or reloads the page."""
    return send_file(CLIENT_SCRIPT, mimetype="text/javascript", max_age=0)


def init_live_reload(app: Flask) -> ChangeWatcher:
    """Register the stream, its script, and the tag that adds the script to every HTML page."""
    watcher = ChangeWatcher(app.extensions["messageboard.assets"], template_folders(app.config),
                             app.jinja_env.cache)
    app.extensions["messageboard.live_reload"] = watcher
    app.register_blueprint(bp)

    @app.after_request
    def add_client_script(response: Response) -> Response:
        if (response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough
                or is_export_request()):
            return response
        tag = Markup('<script src="{}" data-events="{}" defer></script>').format(
            url_for("live_reload.client_script"), url_for("live_reload.events"))
        body = response.get_data()
        body, added = HEAD_END.subn(lambda end: tag.encode() + end.group(0), body, count=1)
        if added:
            response.set_data(body)
        return response

    return watcher
