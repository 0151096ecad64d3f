"""What Flask-Assets' own commands (``flask assets build``, ``watch``, ``clean``) see as bundles.

They are Flask-Assets' plugin commands, which an app cannot replace: each iterates the
environment and does its one thing to every bundle it yields. The site has one pipeline
(``build.py``) rather than bundles of that kind, so ``SiteAssets`` yields, for the command running:

- ``build``: the whole pipeline as one bundle, built once; a failure ends the command with status 1.
- ``watch``: the same, naming every input (each static layer's files and folders, assets.yml,
  package.json) as the files to watch; each change rebuilds it, and a failure is reported and
  watched past.
- ``clean``: each file the builds wrote, the manifest first, as bundles of their own to delete.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
import flask_assets
from webassets.exceptions import BuildError

from messageboard.assets.sizes import size_lines
from messageboard.assets.tools import AssetBuildError
from messageboard.core import shown_path

if TYPE_CHECKING:
    from messageboard.assets.environment import SiteAssets


def command_bundles(assets: SiteAssets) -> list:
    """The bundles the running Flask-Assets command works on: each built file for ``clean``, the
    watched pipeline for ``watch``, else (``build``, or any other caller) the whole pipeline."""
    # pinned by tests/test_library_contracts.py::test_flask_assets_commands_iterate_the_environment_in_their_own_context
    context = click.get_current_context(silent=True)
    command = context.command if context else None
    if command is flask_assets.clean:
        return [BuiltFile(path) for path in assets.paths.outputs()]
    if command is flask_assets.watch:
        return [WatchedPipeline(assets)]
    return [WholePipeline(assets)]


class WholePipeline:
    """The whole build, shaped as the single bundle that Flask-Assets' build command builds."""

    is_container = False

    def __init__(self, assets: SiteAssets):
        self.assets = assets
        self.output = f"every static file, into {shown_path(assets.paths.public)}"

    @contextmanager
    def bind(self, environment):
        """Nothing to bind: the pipeline builds in its own environment."""
        yield self

    def build(self, force=None, output=None, disable_cache=None):
        """Build everything and print the sizes of what it published; a failure ends the command with its
        message and exit status 1."""
        # pinned by tests/test_library_contracts.py::test_flask_assets_build_command_ends_with_a_click_exception
        try:
            report = self.assets.build(force=True)
        except AssetBuildError as error:
            raise click.ClickException(str(error)) from None
        click.echo(report.summary())
        for line in size_lines(report.manifest, self.assets.paths.public):
            click.echo(line)


class WatchedPipeline(WholePipeline):
    """The whole build as the one bundle ``flask assets watch`` watches, rebuilt when any input changes."""

    @property
    def env(self) -> SiteAssets:
        """The environment webassets resolves the watched files in."""
        return self.assets

    def resolve_contents(self, ctx=None, force=False) -> list[tuple[str, str]]:
        """What webassets' watch compares the times of, as a bundle's (item, file) pairs: every input
        and every static folder, listed anew at each look so that new files count."""
        # pinned by tests/test_library_contracts.py::test_webassets_watch_rebuilds_a_bundle_whose_listed_file_changed
        return [(str(path), str(path)) for path in self.assets.paths.watched()]

    def resolve_depends(self, ctx=None) -> list[str]:
        """Nothing beyond the contents: they name every input."""
        return []

    def build(self, force=None, output=None, disable_cache=None):
        """Build (the first time, only if the inputs changed since the last build) and print what
        was built; a failure is reported, and the watch goes on."""
        try:
            report = self.assets.build(force=bool(force))
        except (AssetBuildError, OSError) as error:
            # OSError: a source went between listing and reading (an editor saving by renaming);
            # its new time brings the next rebuild.
            # webassets reports a BuildError from a rebuild (force=True) and watches on; its first
            # build (force=False), bringing the output up to date, it does not guard: reported here.
            # pinned by tests/test_library_contracts.py::test_webassets_watch_rebuilds_a_bundle_whose_listed_file_changed
            if force:
                raise BuildError(str(error)) from None
            click.echo(f"Failed: {error}")
            return
        click.echo(report.summary())


@dataclass(frozen=True)
class BuiltFile:
    """One file a build wrote, as a bundle whose output Flask-Assets' clean command deletes and names."""

    path: Path

    @property
    def output(self) -> str:
        """The file, as the clean command names it."""
        return shown_path(self.path)

    def resolve_output(self, environment=None) -> str:
        """The file to delete."""
        # pinned by tests/test_library_contracts.py::test_flask_assets_clean_command_removes_each_bundles_output
        return str(self.path)
