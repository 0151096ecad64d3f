"""Static export: ``flask export`` writes the site, read-only, as files for any static host or disk."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Blueprint, Response, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface

from messageboard import store, styleguide
from messageboard.export.exporter import EXPORT_REQUEST, ExportError, ExportOptions, export_site
from messageboard.export.preview import serve_export
from messageboard.core import PROJECT_ROOT, ConfigError

bp = Blueprint("export", __name__, cli_group=None)

# Enough text to find almost every message by what it says, without an index of whole texts.
SEARCH_TEXT_LENGTH = 1000


def is_export_request() -> bool:
    """Whether the current request renders a page for a static export."""
    return bool(request and request.environ.get(EXPORT_REQUEST))


class NoSessionForExports(SecureCookieSessionInterface):
    """The usual signed-cookie session, except that an export's page has none, so it sets no cookie."""

    def open_session(self, app, request):
        """A read-only empty session for export requests; the cookie's session otherwise."""
        if request.environ.get(EXPORT_REQUEST):
            return self.make_null_session(app)
        return super().open_session(app, request)


@bp.record_once
def use_export_aware_sessions(state) -> None:
    """Install the session interface that keeps sessions out of exported pages."""
    state.app.session_interface = NoSessionForExports()


@bp.app_context_processor
def export_context() -> dict:
    """Tell templates whether they render for a static export (read-only, no forms)."""
    return {"static_export": is_export_request()}


@bp.get("/search-index.js")
def search_index():
    """Every message's key and (the start of) its text, for the export's in-browser search."""
    if not is_export_request():
        abort(404)
    entries = [{"key": key, "text": text} for key, text in store.excerpts(SEARCH_TEXT_LENGTH)]
    # A script, not a .json fetched at run time: browsers refuse fetch() on pages opened from disk.
    body = f"window.messageboardSearchIndex = {json.dumps(entries, ensure_ascii=False, separators=(',', ':'))};\n"
    return Response(body, mimetype="text/javascript")


@bp.cli.command("export")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=PROJECT_ROOT / "site",
              show_default="site/", help="The folder to write.")
@click.option("--base-url", help="Where the export will be hosted, e.g. https://example.org/previews/pr-42/")
@click.option("--relative", is_flag=True, help="Link pages relatively, to open them from disk (file://).")
@click.option("--styleguide", "with_styleguide", is_flag=True,
              help="Add the styleguide: every page template in each state, from its sample data.")
@click.option("--serve", is_flag=True, help="Then serve the export on localhost for a look.")
@click.option("--port", default=8001, show_default=True, help="The port for --serve.")
def export_command(out: Path, base_url: str | None, relative: bool, with_styleguide: bool, serve: bool, port: int):
    """Write every public page, read-only, with the static files they use, into a folder."""
    if base_url and relative:
        raise click.UsageError("--base-url and --relative are two different ways to link: choose one")
    options = ExportOptions(out=out, base_path=base_path(base_url), relative=relative, styleguide=with_styleguide)
    app = current_app._get_current_object()
    if with_styleguide and "styleguide" not in app.blueprints:
        # Where STYLEGUIDE is off (Production, Testing) the command's own app, which serves no one
        # and lives for this one export, mounts it: the live site still has no /_styleguide.
        try:
            app.register_blueprint(styleguide.bp)
        except ConfigError as error:
            raise click.ClickException(str(error)) from None
    try:
        if sys.stdout.isatty():
            with click.progressbar(length=1, label="Rendering pages", show_pos=True) as bar:

                def advance(rendered: int, total: int) -> None:
                    bar.length = total
                    bar.update(rendered)

                report = export_site(app, options, progress=advance)
        else:
            report = export_site(app, options)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(report.summary())
    if serve:
        serve_export(out, options.base_path, port)


def base_path(base_url: str | None) -> str:
    """The URL path of --base-url, ending in '/': pages link each other from there."""
    if not base_url:
        return "/"
    parts = urlsplit(base_url)
    if (parts.scheme and parts.scheme not in ("http", "https")) or parts.query or parts.fragment:
        raise click.BadParameter("give an http(s) URL or a path, like https://example.org/previews/pr-42/",
                                 param_hint="--base-url")
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return path if path.endswith("/") else path + "/"
