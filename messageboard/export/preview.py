"""``flask export --serve``: the exported folder on localhost, as a static host would serve it."""

from __future__ import annotations

from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import click


class ExportHandler(SimpleHTTPRequestHandler):
    """Serves the export under its base path, answering missing pages with 404.html."""

    def __init__(self, *args, base_path: str, **kwargs):
        self.base_path = base_path
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        """Map a URL under the base path to the export's file."""
        if not path.startswith(self.base_path):
            return str(Path(self.directory) / "__outside_the_base_path__")
        return super().translate_path("/" + path[len(self.base_path) :])

    def send_error(self, code, message=None, explain=None):
        """Answer 404 with the export's own 404 page, as static hosts do."""
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def serve_export(folder: Path, base_path: str, port: int) -> None:
    """Serve ``folder`` at http://127.0.0.1:<port><base_path> until Ctrl-C."""
    handler = partial(ExportHandler, directory=str(folder), base_path=base_path)
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"Serving {folder} at http://127.0.0.1:{port}{base_path} (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
