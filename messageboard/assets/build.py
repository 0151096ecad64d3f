"""The asset build: bundles through webassets, then every public file content-hashed, compressed
and published next to the previous build, with a manifest written last."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import brotli
from webassets import Bundle
from webassets.env import BaseEnvironment
from webassets.exceptions import BundleError

from messageboard.assets.css_urls import URL_REFERENCE, check_references, local_reference, rewrite_urls
from messageboard.assets.manifest import Manifest, source_files, source_fingerprint
from messageboard.assets.paths import BuildPaths
from messageboard.assets.source_maps import relative_to_output
from messageboard.assets.tools import AssetBuildError
from messageboard.core.files import write_atomically

# URL_REFERENCE and local_reference live in css_urls; the export imports them from here, as it did.
__all__ = ["HASHED_NAME", "URL_REFERENCE", "BuildReport", "Publisher", "build_assets", "hashed_name", "local_reference"]

HASH_LENGTH = 12
# A published name with its content hash before the extension: site.0123456789ab.css
HASHED_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}\.[^./]+$")
COMPRESSIBLE = frozenset(
    {".css", ".js", ".mjs", ".svg", ".json", ".txt", ".xml", ".html", ".ico", ".map", ".webmanifest", ".ttf", ".otf"}
)


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    manifest: Manifest
    written: int
    unchanged: int
    removed: int
    seconds: float
    # True where the build found nothing changed since the last one, and did no work.
    up_to_date: bool = False

    def summary(self) -> str:
        """One line for the terminal."""
        if self.up_to_date:
            return f"Assets up to date: {len(self.manifest.files)} files, built from the current sources"
        return (
            f"Assets built: {len(self.manifest.files)} files, {self.written} written, "
            f"{self.unchanged} unchanged, {self.removed} removed, in {self.seconds:.2f} s"
        )


def build_assets(
    paths: BuildPaths, bundles: Mapping[str, Bundle], environment: BaseEnvironment, *, force: bool = False
) -> BuildReport:
    """Build every bundle (its filters run in ``environment``) and publish every public file; skip the
    work if nothing changed."""
    started = time.perf_counter()
    paths.build_folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(paths.lock):
        paths.merge_layers()
        fingerprint = source_fingerprint(paths.inputs())
        previous = Manifest.load(paths.manifest)
        if not force and _up_to_date(previous, fingerprint, paths):
            return BuildReport(previous, 0, 0, 0, time.perf_counter() - started, up_to_date=True)
        publisher = Publisher(paths.public)
        consumed = _bundle_sources(paths.static_folder, bundles.values())
        files = {}
        for source in source_files(paths.static_folder):
            static_path = source.relative_to(paths.static_folder).as_posix()
            if static_path not in consumed and source.suffix != ".scss":
                files[static_path] = publisher.publish(static_path, source.read_bytes())
        for bundle in bundles.values():
            if bundle.output.endswith(".css"):
                check_references(paths.static_folder, bundle.output, _bundle_files(paths.static_folder, bundle), files)
        outputs = {}
        for name, bundle in bundles.items():
            content = _built_bundle(bundle, environment)
            if bundle.output.endswith(".css"):
                content = rewrite_urls(relative_to_output(content, bundle.output), bundle.output, files)
            files[bundle.output] = publisher.publish(bundle.output, content.encode())
            outputs[name] = bundle.output
        manifest = Manifest(files, fingerprint, outputs, paths.source_maps)
        manifest.save(paths.manifest)
        removed = _prune(paths.public, [manifest, previous])
    return BuildReport(manifest, publisher.written, publisher.unchanged, removed, time.perf_counter() - started)


class Publisher:
    """Writes files into the public folder under their own and their content-hashed names."""

    def __init__(self, public: Path):
        self.public = public
        self.written = self.unchanged = 0

    def publish(self, static_path: str, content: bytes) -> str:
        """Publish ``content`` as ``static_path`` and under its hashed name; return the hashed name."""
        hashed = hashed_name(static_path, content)
        compressed = None  # made once, for whichever of the two names needs writing
        for name in (hashed, static_path):
            target = self.public / name
            if target.is_file() and target.read_bytes() == content:
                self.unchanged += 1
                continue
            compressed = compressed if compressed is not None else _compressed(target.suffix, content)
            write_atomically(target, content)
            for suffix in (".gz", ".br"):
                variant = Path(f"{target}{suffix}")
                if suffix in compressed:
                    write_atomically(variant, compressed[suffix])
                else:
                    variant.unlink(missing_ok=True)
            self.written += 1
        return hashed


def _compressed(extension: str, content: bytes) -> dict[str, bytes]:
    """The .gz and .br forms of a text file's content, where they are smaller, for WhiteNoise."""
    if extension not in COMPRESSIBLE:
        return {}
    forms = {".gz": gzip.compress(content, 9, mtime=0), ".br": brotli.compress(content, quality=11)}
    return {suffix: form for suffix, form in forms.items() if len(form) < len(content)}


def hashed_name(static_path: str, content: bytes) -> str:
    """Return ``static_path`` with a hash of ``content`` before its extension."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, extension = static_path.rpartition(".")
    if not dot or "/" in extension:
        return f"{static_path}.{digest}"
    return f"{stem}.{digest}.{extension}"


def _built_bundle(bundle: Bundle, environment: BaseEnvironment) -> str:
    """Run a bundle's sources through its filters and return the result."""
    buffer = io.StringIO()
    try:
        # Bundles loaded from assets.yml belong to no environment until bound to one for the build.
        # pinned by tests/test_library_contracts.py::test_webassets_bundle_bound_to_an_environment_builds_into_a_stream
        with bundle.bind(environment):
            bundle.build(force=True, output=buffer)
    except AssetBuildError:
        raise
    except BundleError as error:
        # BuildError's parent, which a source named in assets.yml but not there raises.
        # pinned by tests/test_library_contracts.py::test_webassets_raises_bundle_error_for_a_source_that_is_not_there
        cause = error.__cause__ or error.__context__
        raise AssetBuildError(str(cause if isinstance(cause, AssetBuildError) else error)) from None
    return buffer.getvalue()


def _bundle_sources(static_folder: Path, bundles) -> set[str]:
    """Static paths that bundles read, which are published only as part of their bundle."""
    return {
        path.relative_to(static_folder).as_posix()
        for bundle in bundles
        for path in _bundle_files(static_folder, bundle)
    }


def _bundle_files(static_folder: Path, bundle: Bundle) -> set[Path]:
    """The files a bundle's contents and depends patterns name, in the static folder."""
    patterns = [*bundle.contents, *(bundle.depends or [])]
    return {
        path
        for pattern in patterns
        if isinstance(pattern, str)
        for path in static_folder.glob(pattern)
        if path.is_file()
    }


def _up_to_date(previous: Manifest | None, fingerprint: str, paths: BuildPaths) -> bool:
    """Whether the previous build is of these sources, with source maps as wanted, and all published."""
    return (
        previous is not None
        and previous.sources == fingerprint
        and previous.source_maps == paths.source_maps
        and _all_published(previous, paths.public)
    )


def _all_published(manifest: Manifest, public: Path) -> bool:
    """Whether every file the manifest names is in the public folder."""
    return all((public / hashed).is_file() for hashed in manifest.files.values())


def _prune(public: Path, manifests: list[Manifest | None]) -> int:
    """Remove published files that neither this build nor the one before it names; return how many."""
    keep = {name for manifest in manifests if manifest for pair in manifest.files.items() for name in pair}
    removed = 0
    for path in sorted(public.rglob("*"), reverse=True):
        name = path.relative_to(public).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif name.removesuffix(".gz").removesuffix(".br") not in keep:
            path.unlink()
            removed += 1
    return removed


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (across processes) for the duration."""
    with open(lock_path, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
