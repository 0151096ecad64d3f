"""The app's asset environment: the bundles of assets.yml, the last build, and rebuilds when sources change."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Flask
from flask_assets import Environment
from webassets import Bundle
from webassets.loaders import YAMLLoader

from messageboard.assets.build import BuildReport, build_assets
from messageboard.assets.cli import command_bundles
from messageboard.assets.manifest import Manifest, file_identity
from messageboard.assets.paths import build_paths
from messageboard.assets.tools import AssetBuildError
from messageboard.core import shown_path


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
        self.bundles: dict[str, Bundle] = {}
        self._bundles_seen = None
        self._reload_bundles_if_changed()
        # Not `manifest`: webassets' Environment has a setting of that name.
        self._published_seen = file_identity(self.paths.manifest)
        self.published = Manifest.load(self.paths.manifest) or Manifest({}, "")
        self.build_error: AssetBuildError | None = None
        self._inputs_seen = None
        # Endpoints answered even while the build fails: they use no built file (live reload's).
        self.endpoints_without_assets: set[str] = set()
        # The development server's request threads and the live-reload watcher all call it.
        self._rebuilding = threading.Lock()

    def _reload_bundles_if_changed(self) -> None:
        """Read the bundles assets.yml declares, by name, unless it is as when last read."""
        seen = _file_state(self.paths.bundles_file)
        if seen == self._bundles_seen:
            return
        try:
            self.bundles = YAMLLoader(str(self.paths.bundles_file)).load_bundles()
        except Exception as error:
            # webassets' loader raises whatever a malformed file makes it: a YAML error, ValueError
            # for an unknown filter, AttributeError for a list where bundles are named...
            raise AssetBuildError(f"{shown_path(self.paths.bundles_file)}: {error}") from None
        self._bundles_seen = seen

    def build(self, *, force: bool = False) -> BuildReport:
        """Build now (unless nothing changed), from assets.yml as it is now, and serve the result."""
        self._reload_bundles_if_changed()
        report = build_assets(self.paths, self.bundles, self, force=force)
        self.published = report.manifest
        self._published_seen = file_identity(self.paths.manifest)
        return report

    def follow_rebuilds(self) -> None:
        """Read the manifest again if a build replaced it since it was read: pages link the new files."""
        seen = file_identity(self.paths.manifest)
        if seen != self._published_seen:
            # A manifest removed (the build deleted, say) leaves the links as they were: they 404 either way.
            self.published = Manifest.load(self.paths.manifest) or self.published
            self._published_seen = seen

    def rebuild_if_changed(self) -> None:
        """Rebuild when an input changed since the last look (file times and sizes, cheaply)."""
        with self._rebuilding:
            self._rebuild_if_changed()

    def _rebuild_if_changed(self) -> None:
        """Build if an input changed, keeping a failure to show instead of pages."""
        seen = {name: _file_state(path) for name, path in self.paths.inputs()}
        if seen == self._inputs_seen:
            return
        try:
            self.build()
            self.build_error = None
        except AssetBuildError as error:
            self.build_error = error
        self._inputs_seen = seen

    def __iter__(self):
        """Yield what the Flask-Assets command running works on (see ``cli``)."""
        # `flask assets build`, `watch` and `clean` are Flask-Assets' plugin commands, which an app
        # cannot replace; each works on the bundles this yields.
        # pinned by tests/test_library_contracts.py::test_flask_assets_build_command_iterates_the_environment
        return iter(command_bundles(self))

    def __len__(self) -> int:
        """How many bundles the running command works on (``flask assets watch`` says so)."""
        return len(command_bundles(self))


def _file_state(path: Path) -> tuple[int, int]:
    """A file's modification time and size: what changes when it is saved."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size
