"""The asset pipeline: bundles from assets.yml, every static file content-hashed, served by WhiteNoise.

- ``flask assets build`` (``make assets``) builds once: Sass and JS bundles through webassets, then
  every public file published under a content-hashed name, compressed, with a manifest written
  outside the public folder (see ``build.py``).
- Templates keep calling ``url_for('static', filename=...)`` and ``{% assets "name" %}``; both
  give the hashed URL from the manifest.
- With ``ASSETS_AUTO_BUILD`` (Development, Testing) a page request first rebuilds whatever changed;
  elsewhere the app never builds, and servers refuse to start on a missing or stale build.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import click
from flask import Flask, render_template, request, url_for
from flask_assets import Environment
from webassets.ext.jinja2 import AssetsExtension
from whitenoise import WhiteNoise

from messageboard.assets.build import BUNDLES_INPUT, HASHED_NAME, BuildPaths, BuildReport, build_assets
from messageboard.assets.manifest import Manifest, source_fingerprint
from messageboard.assets.tools import AssetBuildError
from messageboard.core import PROJECT_ROOT, ConfigError, static_folder_path, theme_folder_path

BUILD_COMMAND = "flask --app messageboard assets build"
ONE_YEAR = 365 * 24 * 3600

__all__ = ["AssetBuildError", "SiteAssets", "build_paths", "check_built", "init_assets"]


def build_paths(values) -> BuildPaths:
    """The build's folders and bundles file for these settings; relative paths are from the project."""
    theme = theme_folder_path(values)
    theme_static = [theme / "static"] if theme and (theme / "static").is_dir() else []
    return BuildPaths((*theme_static, static_folder_path(values)), PROJECT_ROOT / values["ASSETS_BUILD_FOLDER"],
                      PROJECT_ROOT / values["ASSETS_BUNDLES_FILE"])


def check_built(values) -> None:
    """Raise ConfigError, naming the command to run, unless a build matches the current sources."""
    paths = build_paths(values)
    manifest = Manifest.load(paths.manifest)
    if manifest is None:
        raise ConfigError(f"The static files are not built ({paths.manifest} is missing): run `{BUILD_COMMAND}`")
    if manifest.sources != source_fingerprint(paths.inputs()):
        raise ConfigError(f"The built static files are older than their sources: run `{BUILD_COMMAND}`")


class SiteAssets(Environment):
    """The app's Flask-Assets environment, plus the manifest of the last build."""

    def __init__(self, app: Flask):
        super().__init__(app)
        self.paths = build_paths(app.config)
        # Bundle contents are read from the sources; the app's static folder is the published one.
        self.directory = str(self.paths.static_folder)
        self.load_path = [str(self.paths.static_folder)]
        self.from_yaml(str(self.paths.bundles_file))
        # Not `manifest`: webassets' Environment has a setting of that name.
        self.published = Manifest.load(self.paths.manifest) or Manifest({}, "")
        self.build_error: AssetBuildError | None = None
        self._inputs_seen = None
        # Endpoints answered even while the build fails: they use no built file (live reload's).
        self.endpoints_without_assets: set[str] = set()
        # The development server's request threads and the live-reload watcher all call it.
        self._rebuilding = threading.Lock()

    def build(self, *, force: bool = False) -> BuildReport:
        """Build now (unless nothing changed) and serve the result."""
        report = build_assets(self.paths, self, force=force)
        self.published = report.manifest
        return report

    def rebuild_if_changed(self) -> None:
        """Rebuild when an input changed since the last look (file times and sizes, cheaply)."""
        with self._rebuilding:
            self._rebuild_if_changed()

    def _rebuild_if_changed(self) -> None:
        seen = {name: (stat.st_mtime_ns, stat.st_size)
                for name, stat in ((name, path.stat()) for name, path in self.paths.inputs())}
        if seen == self._inputs_seen:
            return
        if self._inputs_seen and seen[BUNDLES_INPUT] != self._inputs_seen[BUNDLES_INPUT]:
            self._named_bundles.clear()
            self.from_yaml(str(self.paths.bundles_file))
        try:
            self.build()
            self.build_error = None
        except AssetBuildError as error:
            self.build_error = error
        self._inputs_seen = seen

    def __iter__(self):
        # `flask assets build` is Flask-Assets' plugin command, which an app cannot replace; it
        # builds each bundle this yields and ignores failures. Yielding the whole pipeline as one
        # step makes that documented command build everything, and exit non-zero on an error.
        return iter([_WholePipeline(self)])


class _WholePipeline:
    """The whole build, shaped as the single bundle that Flask-Assets' build command expects."""

    is_container = False

    def __init__(self, assets: SiteAssets):
        self.assets = assets
        self.output = f"every static file, into {assets.paths.public}"

    @contextmanager
    def bind(self, environment):
        yield self

    def build(self, force=None, output=None, disable_cache=None):
        """Build everything; a failure ends the command with its message and exit status 1."""
        try:
            report = self.assets.build(force=True)
        except AssetBuildError as error:
            raise click.ClickException(str(error)) from None
        click.echo(report.summary())

    def resolve_output(self, environment=None) -> str:
        """What `flask assets clean` removes: the manifest, so the next start asks for a build."""
        return str(self.assets.paths.manifest)


class ManifestAssetsExtension(AssetsExtension):
    """``{% assets "name" %}``: the hashed URL of each bundle named, from the manifest."""

    def __init__(self, environment):
        super().__init__(environment)
        self._urls = {}

    def _render_assets(self, filter, output, dbg, depends, files, caller=None):
        if filter or output or dbg or depends:
            raise AssetBuildError("{% assets %} takes only bundle names; declare bundles in assets.yml")
        environment = self.environment.assets_environment
        bundles = [environment[name] for name in files]
        return "".join(caller(self._url(environment, bundle), None, bundle.extra) for bundle in bundles)

    def _url(self, environment, bundle) -> str:
        """The bundle's hashed URL; worked out once per build and path prefix where nothing rebuilds."""
        if environment.auto_build:
            return url_for("static", filename=bundle.output)
        key = (request.script_root, bundle.output)
        if key not in self._urls:
            self._urls[key] = url_for("static", filename=bundle.output)
        return self._urls[key]


class StaticFiles(WhiteNoise):
    """WhiteNoise serving the published folder: hashed files cached for a year, others briefly."""

    # Files up to this size are answered from memory once read, where files cannot change.
    IN_MEMORY_LIMIT = 256 * 1024

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._contents: dict[str, bytes] = {}

    def serve(self, static_file, environ, start_response):
        """Answer a plain GET of a small file from memory: no open(), no sendfile, per request."""
        if (self.autorefresh or environ["REQUEST_METHOD"] != "GET" or "HTTP_RANGE" in environ
                or static_file.is_not_modified(environ)):
            return super().serve(static_file, environ, start_response)
        path, headers = static_file.get_path_and_headers(environ)
        content = self._contents.get(path)
        if content is None:
            if os.path.getsize(path) > self.IN_MEMORY_LIMIT:
                return super().serve(static_file, environ, start_response)
            with open(path, "rb") as file:
                content = self._contents[path] = file.read()
        start_response("200 OK", list(headers))
        return [content]

    def add_cache_headers(self, headers, path, url):
        """Cache-Control: a year and immutable for content-hashed names, max_age for the rest."""
        if HASHED_NAME.search(url):
            headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        else:
            headers["Cache-Control"] = f"public, max-age={self.max_age}"


def init_assets(app: Flask) -> SiteAssets:
    """Give the app its assets: environment, hashed static URLs, WhiteNoise and, where set, auto builds."""
    assets = SiteAssets(app)
    app.extensions["messageboard.assets"] = assets
    del app.jinja_env.extensions[AssetsExtension.identifier]
    app.jinja_env.add_extension(ManifestAssetsExtension)

    @app.url_defaults
    def hashed_static_url(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.published.hashed(values["filename"])

    auto_build = app.config["ASSETS_AUTO_BUILD"]
    if auto_build:
        assets.rebuild_if_changed()

        @app.before_request
        def rebuild_changed_assets():
            if request.endpoint in assets.endpoints_without_assets:
                return
            assets.rebuild_if_changed()
            if assets.build_error:
                raise assets.build_error

        app.register_error_handler(AssetBuildError, render_build_error)

    assets.paths.public.mkdir(parents=True, exist_ok=True)
    app.wsgi_app = StaticFiles(app.wsgi_app, root=str(assets.paths.public), prefix=app.static_url_path,
                               autorefresh=auto_build, max_age=app.config["STATIC_MAX_AGE"])
    return assets


def render_build_error(error: AssetBuildError):
    """Show a failed build (a Sass error, a missing file) as a page naming the file and line."""
    return render_template("errors/asset_build.html", problem=str(error)), 500
