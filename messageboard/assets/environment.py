"""The app's asset environment: the bundles of assets.yml, the last build, and rebuilds when sources change."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import click
from flask import Flask
from flask_assets import Environment
from webassets import Bundle
from webassets.loaders import YAMLLoader

from messageboard.assets.build import BuildReport, build_assets
from messageboard.assets.manifest import Manifest
from messageboard.assets.paths import BUNDLES_INPUT, build_paths
from messageboard.assets.tools import AssetBuildError


class SiteAssets(Environment):
    """The app's Flask-Assets environment (where bundle filters run), its bundles and the last build's manifest."""

    def __init__(self, app: Flask):
        super().__init__(app)
        self.paths = build_paths(app.config)
        # Bundle contents are read from the sources; the app's static folder is the published one.
        self.directory = str(self.paths.static_folder)
        self.load_path = [str(self.paths.static_folder)]
        # Kept here rather than registered in webassets' registry: it holds them in a private
        # dict, which a changed assets.yml would have to clear.
        self.bundles: dict[str, Bundle] = self._load_bundles()
        # Not `manifest`: webassets' Environment has a setting of that name.
        self.published = Manifest.load(self.paths.manifest) or Manifest({}, "")
        self.build_error: AssetBuildError | None = None
        self._inputs_seen = None
        # Endpoints answered even while the build fails: they use no built file (live reload's).
        self.endpoints_without_assets: set[str] = set()
        # The development server's request threads and the live-reload watcher all call it.
        self._rebuilding = threading.Lock()

    def _load_bundles(self) -> dict[str, Bundle]:
        """The bundles assets.yml declares, by name."""
        return YAMLLoader(str(self.paths.bundles_file)).load_bundles()

    def build(self, *, force: bool = False) -> BuildReport:
        """Build now (unless nothing changed) and serve the result."""
        report = build_assets(self.paths, self.bundles, self, force=force)
        self.published = report.manifest
        return report

    def rebuild_if_changed(self) -> None:
        """Rebuild when an input changed since the last look (file times and sizes, cheaply)."""
        with self._rebuilding:
            self._rebuild_if_changed()

    def _rebuild_if_changed(self) -> None:
        """Reload assets.yml if it changed, then build, keeping a failure to show instead of pages."""
        seen = {
            name: (stat.st_mtime_ns, stat.st_size)
            for name, stat in ((name, path.stat()) for name, path in self.paths.inputs())
        }
        if seen == self._inputs_seen:
            return
        if self._inputs_seen and seen[BUNDLES_INPUT] != self._inputs_seen[BUNDLES_INPUT]:
            self.bundles = self._load_bundles()
        try:
            self.build()
            self.build_error = None
        except AssetBuildError as error:
            self.build_error = error
        self._inputs_seen = seen

    def __iter__(self):
        """Yield the whole pipeline as the one bundle there is, for Flask-Assets' commands."""
        # `flask assets build` is Flask-Assets' plugin command, which an app cannot replace; it
        # builds each bundle this yields and ignores failures. Yielding the whole pipeline as one
        # step makes that documented command build everything, and exit non-zero on an error.
        # pinned by tests/test_library_contracts.py::test_flask_assets_build_command_iterates_the_environment
        return iter([WholePipeline(self)])


class WholePipeline:
    """The whole build, shaped as the single bundle that Flask-Assets' build and clean commands expect."""

    is_container = False

    def __init__(self, assets: SiteAssets):
        self.assets = assets
        self.output = f"every static file, into {assets.paths.public}"

    @contextmanager
    def bind(self, environment):
        """Nothing to bind: the pipeline builds in its own environment."""
        yield self

    def build(self, force=None, output=None, disable_cache=None):
        """Build everything; a failure ends the command with its message and exit status 1."""
        # pinned by tests/test_library_contracts.py::test_flask_assets_build_command_ends_with_a_click_exception
        try:
            report = self.assets.build(force=True)
        except AssetBuildError as error:
            raise click.ClickException(str(error)) from None
        click.echo(report.summary())

    def resolve_output(self, environment=None) -> str:
        """What `flask assets clean` removes: the manifest, so the next start asks for a build."""
        # pinned by tests/test_library_contracts.py::test_flask_assets_clean_command_removes_each_bundles_output
        return str(self.assets.paths.manifest)
