"""The build manifest: which hashed file serves each static path, and what sources it was built from."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from messageboard.core.files import write_atomically

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """What a build published: static path -> hashed path, the fingerprint of its sources, and
    whether its stylesheets carry source maps."""

    files: dict[str, str]
    sources: str
    bundles: dict[str, str] = field(default_factory=dict)
    source_maps: bool = False

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        """Read the manifest at ``path``; None if there is none or it is not one of ours."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return None
        return cls(
            files=data["files"],
            sources=data["sources"],
            bundles=data.get("bundles", {}),
            source_maps=data.get("source_maps", False),
        )

    def save(self, path: Path) -> None:
        """Write the manifest atomically: readers see the old one or the new one, never half."""
        data = {
            "version": MANIFEST_VERSION,
            "sources": self.sources,
            "bundles": self.bundles,
            "source_maps": self.source_maps,
            "files": dict(sorted(self.files.items())),
        }
        write_atomically(path, json.dumps(data, indent=1).encode())

    def hashed(self, static_path: str) -> str:
        """Return the hashed path serving ``static_path`` (unchanged if the build did not publish it)."""
        return self.files.get(static_path, static_path)


def source_files(static_folder: Path) -> list[Path]:
    """Every file a build reads from the static folder, dotfiles left out, in a stable order."""
    return sorted(
        path
        for path in static_folder.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(static_folder).parts)
    )


def source_fingerprint(inputs: list[tuple[str, Path]]) -> str:
    """A digest of the names and contents of a build's inputs."""
    digest = hashlib.sha256()
    for name, path in inputs:
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """What changes when a build writes ``path`` (it replaces the file): its inode, time and size; None if absent."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size
