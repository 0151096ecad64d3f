"""The start-up check that the static files are built, and built from the current sources."""

from __future__ import annotations

from messageboard.assets.manifest import Manifest, source_fingerprint
from messageboard.assets.paths import build_paths
from messageboard.core import ConfigError

BUILD_COMMAND = "flask --app messageboard assets build"


def check_built(values) -> None:
    """Raise ConfigError, naming the command to run, unless a build matches the current sources."""
    paths = build_paths(values)
    manifest = Manifest.load(paths.manifest)
    if manifest is None:
        raise ConfigError(f"The static files are not built ({paths.manifest} is missing): run `{BUILD_COMMAND}`")
    if manifest.sources != source_fingerprint(paths.inputs()):
        raise ConfigError(f"The built static files are older than their sources: run `{BUILD_COMMAND}`")
