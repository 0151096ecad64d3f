"""Where a build reads its sources and writes what it publishes, and whether with source maps, for the app's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from messageboard.assets.manifest import source_files
from messageboard.core import PROJECT_ROOT, static_folder_path, theme_folder_path

# The bundles file's name among a build's inputs, which are otherwise named by static path.
BUNDLES_INPUT = "<bundles>"


@dataclass(frozen=True)
class BuildPaths:
    """Where a build reads sources and writes what it publishes.

    ``source_layers`` are static folders, first found wins: a theme's ``static/`` before the
    built-in one. With more than one, the build reads a merged tree of links (``static_folder``),
    so that Sass resolves ``@use "components"`` to the theme's partial where it has one.
    ``source_maps`` (``ASSETS_SOURCE_MAPS``): the manifest records it, and a build made without
    it serves no app that wants it, nor the other way round.
    """

    source_layers: tuple[Path, ...]
    build_folder: Path
    bundles_file: Path
    source_maps: bool = False

    @property
    def static_folder(self) -> Path:
        """The one folder the build reads sources from."""
        if len(self.source_layers) == 1:
            return self.source_layers[0]
        return self.build_folder / "sources"

    def sources(self) -> dict[str, Path]:
        """Each static path the layers provide, and the file that provides it (first layer first)."""
        found = {}
        for layer in reversed(self.source_layers):
            found.update((path.relative_to(layer).as_posix(), path) for path in source_files(layer))
        return dict(sorted(found.items()))

    def inputs(self) -> list[tuple[str, Path]]:
        """Everything a build reads, named: static sources, the bundles file and package.json."""
        # package.json holds the browserslist, which decides the vendor prefixes.
        return [
            *self.sources().items(),
            (BUNDLES_INPUT, self.bundles_file),
            ("<package.json>", PROJECT_ROOT / "package.json"),
        ]

    def watched(self) -> list[Path]:
        """Every input of a build, and every folder of a static layer, whose times a watch compares."""
        # A file added to or removed from a folder changes the folder's time, not any file's.
        folders = [
            folder
            for layer in self.source_layers
            for folder in [layer, *sorted(layer.rglob("*"))]
            if folder.is_dir() and not any(part.startswith(".") for part in folder.relative_to(layer).parts)
        ]
        files = [path for layer in self.source_layers for path in source_files(layer)]
        return [*folders, *files, self.bundles_file, PROJECT_ROOT / "package.json"]

    def outputs(self) -> list[Path]:
        """What builds wrote and ``flask assets clean`` removes: the manifest first, then every file
        of the public folder, never a file of a static layer."""
        # Only settings that put the public folder inside a static layer would make the check matter.
        layers = [layer.resolve() for layer in self.source_layers]
        built = sorted(
            path
            for path in self.public.rglob("*")
            if path.is_file() and not any(path.resolve().is_relative_to(layer) for layer in layers)
        )
        return [self.manifest, *built]

    def merge_layers(self) -> None:
        """Make ``static_folder`` a tree of links to the sources that win, when there are layers."""
        if len(self.source_layers) == 1:
            return
        merged = self.static_folder
        wanted = {name: path.resolve() for name, path in self.sources().items()}
        for link in sorted(merged.rglob("*"), reverse=True) if merged.exists() else []:
            name = link.relative_to(merged).as_posix()
            if link.is_symlink() and link.readlink() == wanted.get(name):
                del wanted[name]
            elif link.is_symlink() or link.is_file():
                link.unlink()
            elif not any(link.iterdir()):
                link.rmdir()
        for name, target in wanted.items():
            link = merged / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)

    @property
    def public(self) -> Path:
        """The folder served at STATIC_URL_PATH."""
        return self.build_folder / "public"

    @property
    def manifest(self) -> Path:
        """The manifest, outside the public folder so it is never served."""
        return self.build_folder / "manifest.json"

    @property
    def lock(self) -> Path:
        """The file a build holds locked, so that two builds at once take turns."""
        return self.build_folder / ".lock"


def build_paths(values) -> BuildPaths:
    """The build's folders and bundles file for these settings; relative paths are from the project."""
    theme = theme_folder_path(values)
    theme_static = [theme / "static"] if theme and (theme / "static").is_dir() else []
    return BuildPaths(
        (*theme_static, static_folder_path(values)),
        PROJECT_ROOT / values["ASSETS_BUILD_FOLDER"],
        PROJECT_ROOT / values["ASSETS_BUNDLES_FILE"],
        values["ASSETS_SOURCE_MAPS"],
    )
