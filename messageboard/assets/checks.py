"""Whether the static files are built, on disk, and built from the current sources: the start-up check,
and what ``/readyz`` says while serving."""

from __future__ import annotations

from messageboard.assets.manifest import Manifest, source_fingerprint
from messageboard.assets.paths import BuildPaths, build_paths
from messageboard.core import ConfigError, shown_path

BUILD_COMMAND = "flask --app messageboard assets build"
# How many missing files a problem names; the count says the rest.
NAMED_MISSING = 3


def check_built(values) -> None:
    """Raise ConfigError, naming the command to run, unless a build matches the current sources."""
    if problem := build_problem(build_paths(values)):
        raise ConfigError(problem)


def build_problem(paths: BuildPaths) -> str | None:
    """Why the build in ``paths`` cannot be served, in one line naming the command to run; None if it can:
    its manifest, every file it names, and the sources it was built from."""
    manifest = Manifest.load(paths.manifest)
    if manifest is None:
        return f"The static files are not built ({shown_path(paths.manifest)} is missing): run `{BUILD_COMMAND}`"
    names = sorted({name for pair in manifest.files.items() for name in pair})
    missing = [name for name in names if not (paths.public / name).is_file()]
    if missing:
        return (
            f"{len(missing)} of the {len(names)} built static files are missing from {shown_path(paths.public)} "
            f"({', '.join(missing[:NAMED_MISSING])}{', ...' if len(missing) > NAMED_MISSING else ''}): "
            f"run `{BUILD_COMMAND}`"
        )
    if manifest.source_maps and not paths.source_maps:
        return (
            f"The static files were built with source maps, for development (ASSETS_SOURCE_MAPS): run `{BUILD_COMMAND}`"
        )
    if paths.source_maps and not manifest.source_maps:
        return f"The static files were built without the source maps these settings ask for: run `{BUILD_COMMAND}`"
    if manifest.sources != source_fingerprint(paths.inputs()):
        return f"The built static files are older than their sources: run `{BUILD_COMMAND}`"
    return None
