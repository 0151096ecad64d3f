"""The Node tools the build runs, as webassets filters: Dart Sass and Lightning CSS."""

from __future__ import annotations

import subprocess
from pathlib import Path

from webassets.filter import Filter, register_filter

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


class DartSass(Filter):
    """Compile SCSS (the modern ``@use`` syntax) with Dart Sass, from the source file itself."""

    name = "dart_sass"
    max_debug_level = None

    def input(self, _in, out, source_path, **kwargs):
        """Compile the file at ``source_path``; errors name the file and line, relative to the static folder."""
        # pinned by tests/test_library_contracts.py::test_webassets_bundle_bound_to_an_environment_builds_into_a_stream
        static_folder = Path(self.ctx.directory)
        relative = Path(source_path).relative_to(static_folder)
        out.write(
            run_tool([dart_sass(), "--no-source-map", "--style=expanded", "--quiet-deps", relative], cwd=static_folder)
        )


class LightningCss(Filter):
    """Add vendor prefixes for the browserslist in package.json, and minify."""

    name = "lightningcss"
    max_debug_level = None

    def output(self, _in, out, **kwargs):
        """Prefix and minify the whole bundle."""
        # Run from the project, where Lightning CSS finds the browserslist in package.json.
        out.write(run_tool([lightningcss(), "--minify", "--browserslist"], stdin=_in.read(), cwd=PROJECT_ROOT))


register_filter(DartSass)
register_filter(LightningCss)
