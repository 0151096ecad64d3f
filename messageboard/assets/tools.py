"""The Node tools the build runs, as webassets filters: Dart Sass and Lightning CSS.

With ``ASSETS_SOURCE_MAPS`` (Development) stylesheets come out unminified, each ending in an inline
source map (``source_maps``) that names the SCSS file and line of every rule.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from functools import partial
from pathlib import Path

from webassets.filter import Filter, register_filter

from messageboard.assets.source_maps import renamed_sources, split_map, static_path_of, with_map, without_sources_but
from messageboard.core import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "node_modules"


class AssetBuildError(Exception):
    """The assets cannot be built; the message says where and why."""


def dart_sass() -> Path:
    """Return the Dart Sass executable: the native build where npm installed one, else the JS one."""
    # The native build (an optional, platform-specific npm package) starts in ~10 ms; the
    # JavaScript build, which runs everywhere, takes ~280 ms, too slow for a save-and-reload loop.
    native = sorted(NODE_MODULES.glob("sass-embedded-*/dart-sass/sass"))
    candidates = [*native, NODE_MODULES / ".bin" / "sass"]
    return _first_installed(candidates, "Dart Sass")


def lightningcss() -> Path:
    """Return the Lightning CSS executable."""
    return _first_installed([NODE_MODULES / ".bin" / "lightningcss"], "Lightning CSS")


def _first_installed(candidates: list[Path], tool: str) -> Path:
    """The first candidate that exists, or AssetBuildError naming the command that installs the tool."""
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise AssetBuildError(f"{tool} is not installed: run `npm ci` in {PROJECT_ROOT}")


def run_tool(command: list, *, stdin: str | None = None, cwd: Path) -> str:
    """Run a build tool and return its output, or raise AssetBuildError with what it said."""
    result = subprocess.run(
        [str(part) for part in command], input=stdin, capture_output=True, text=True, cwd=cwd, check=False
    )
    if result.returncode != 0:
        raise AssetBuildError((result.stderr or result.stdout).strip())
    return result.stdout


def source_maps_wanted(bundle_filter: Filter) -> bool:
    """Whether the app the bundle is built for sets ``ASSETS_SOURCE_MAPS``."""
    # Filter.get_config reads the environment's config, which Flask-Assets keeps in app.config;
    # env=False: not from an ASSETS_SOURCE_MAPS environment variable, which the settings' layers own.
    # pinned by tests/test_assets.py::test_development_css_is_unminified_with_a_source_map_naming_the_scss_files
    return bool(bundle_filter.get_config("ASSETS_SOURCE_MAPS", env=False, require=False))


class DartSass(Filter):
    """Compile SCSS (the modern ``@use`` syntax) with Dart Sass, from the source file itself."""

    name = "dart_sass"
    max_debug_level = None

    def input(self, _in, out, source_path, **kwargs):
        """Compile the file at ``source_path``; errors name the file and line, relative to the static folder."""
        # pinned by tests/test_library_contracts.py::test_webassets_bundle_bound_to_an_environment_builds_into_a_stream
        static_folder = Path(self.ctx.directory)
        relative = Path(source_path).relative_to(static_folder)
        if not source_maps_wanted(self):
            out.write(
                run_tool(
                    [dart_sass(), "--no-source-map", "--style=expanded", "--quiet-deps", relative], cwd=static_folder
                )
            )
            return
        css = run_tool(
            [dart_sass(), "--embed-source-map", "--embed-sources", "--style=expanded", "--quiet-deps", relative],
            cwd=static_folder,
        )
        out.write(renamed_sources(css, partial(static_path_of, static_folder=static_folder)))


class LightningCss(Filter):
    """Add vendor prefixes for the browserslist in package.json, and minify (with source maps: keep the
    map instead, and the layout it maps)."""

    name = "lightningcss"
    max_debug_level = None

    def output(self, _in, out, **kwargs):
        """Prefix and minify the whole bundle, or prefix it keeping its map."""
        if source_maps_wanted(self):
            out.write(prefixed_keeping_map(_in.read()))
            return
        # Run from the project, where Lightning CSS finds the browserslist in package.json.
        out.write(run_tool([lightningcss(), "--minify", "--browserslist"], stdin=_in.read(), cwd=PROJECT_ROOT))


def prefixed_keeping_map(css: str) -> str:
    """Prefix ``css`` for the browserslist, unminified, its inline map carried through to the result."""
    _, source_map = split_map(css)
    if source_map is None:
        return run_tool([lightningcss(), "--browserslist"], stdin=css, cwd=PROJECT_ROOT)
    # Lightning CSS writes a map, composed with the one its input ends in, only beside an output file.
    with tempfile.TemporaryDirectory(prefix="lightningcss-") as folder:
        output = Path(folder) / "bundle.css"
        run_tool(
            [lightningcss(), "--browserslist", "--sourcemap", "--output-file", output], stdin=css, cwd=PROJECT_ROOT
        )
        prefixed, _ = split_map(output.read_text(encoding="utf-8"))
        composed = json.loads(Path(f"{output}.map").read_text(encoding="utf-8"))
    return with_map(prefixed, without_sources_but(composed, source_map["sources"]))


register_filter(DartSass)
register_filter(LightningCss)
