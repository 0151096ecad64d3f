"""``flask export``: the command, and how it reads where the export will be hosted."""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from messageboard import styleguide
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.export.exporter import ExportError, ExportOptions, ExportReport, export_site
from messageboard.export.preview import serve_export


@click.command("export")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "site",
    show_default="site/",
    help="The folder to write.",
)
@click.option("--base-url", help="Where the export will be hosted, e.g. https://example.org/previews/pr-42/")
@click.option("--relative", is_flag=True, help="Link pages relatively, to open them from disk (file://).")
@click.option(
    "--styleguide",
    "with_styleguide",
    is_flag=True,
    help="Add the styleguide: every page template in each state, from its sample data.",
)
@click.option(
    "--index",
    "indexed",
    is_flag=True,
    help="Let search engines index the pages (without it each says noindex: a preview is not the site).",
)
@click.option("--serve", is_flag=True, help="Then serve the export on localhost for a look.")
@click.option("--port", default=8001, show_default=True, help="The port for --serve.")
@with_appcontext
def export_command(
    out: Path, base_url: str | None, relative: bool, with_styleguide: bool, indexed: bool, serve: bool, port: int
):
    """Write every public page, read-only, with the static files they use, into a folder."""
    if base_url and relative:
        raise click.UsageError("--base-url and --relative are two different ways to link: choose one")
    options = ExportOptions(
        out=out, base_path=base_path(base_url), relative=relative, styleguide=with_styleguide, indexed=indexed
    )
    # pinned by tests/test_library_contracts.py::test_flask_current_app_gives_the_app_itself_through_get_current_object
    app = current_app._get_current_object()
    if with_styleguide:
        mount_styleguide(app)
    try:
        report = export_with_progress(app, options)
    except ExportError as error:
        raise click.ClickException(str(error)) from None
    click.echo(report.summary())
    if serve:
        serve_export(out, options.base_path, port)


def mount_styleguide(app: Flask) -> None:
    """Mount the styleguide on the command's app, unless it is already."""
    if "styleguide" in app.blueprints:
        return
    # Where STYLEGUIDE is off (Production, Testing) the command's own app, which serves no one
    # and lives for this one export, mounts it: the live site still has no /_styleguide.
    try:
        app.register_blueprint(styleguide.bp)
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


def export_with_progress(app: Flask, options: ExportOptions) -> ExportReport:
    """Export, with a progress bar where a person watches the terminal."""
    if not sys.stdout.isatty():
        return export_site(app, options)
    with click.progressbar(length=1, label="Rendering pages", show_pos=True) as bar:

        def advance(rendered: int, total: int) -> None:
            bar.length = total
            bar.update(rendered)

        return export_site(app, options, progress=advance)


def base_path(base_url: str | None) -> str:
    """The URL path of --base-url, ending in '/': pages link each other from there."""
    if not base_url:
        return "/"
    parts = urlsplit(base_url)
    if (parts.scheme and parts.scheme not in ("http", "https")) or parts.query or parts.fragment:
        raise click.BadParameter(
            "give an http(s) URL or a path, like https://example.org/previews/pr-42/", param_hint="--base-url"
        )
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return path if path.endswith("/") else path + "/"
