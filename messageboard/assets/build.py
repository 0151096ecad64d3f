"""The asset build: bundles through webassets, then every public file content-hashed, compressed
and published next to the previous build, with a manifest written last."""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import io
import posixpath
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import brotli
from webassets import Bundle
from webassets.exceptions import BuildError

from messageboard.assets.manifest import Manifest, source_files, source_fingerprint, write_atomically
from messageboard.assets.tools import AssetBuildError
from messageboard.core import PROJECT_ROOT

BUNDLES_INPUT = "<bundles>"
HASH_LENGTH = 12
# A published name with its content hash before the extension: site.0123456789ab.css
HASHED_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}\.[^./]+$")
COMPRESSIBLE = frozenset({".css", ".js", ".mjs", ".svg", ".json", ".txt", ".xml", ".html", ".ico",
                          ".map", ".webmanifest", ".ttf", ".otf"})
URL_REFERENCE = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<url>[^'")]*?)(?P=quote)\s*\)""")
NOT_A_FILE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#)", re.IGNORECASE)  # data:, https:, //host, #id


@dataclass(frozen=True)
class BuildPaths:
    """Where a build reads sources and writes what it publishes.

    ``source_layers`` are static folders, first found wins: a theme's ``static/`` before the
    built-in one. With more than one, the build reads a merged tree of links (``static_folder``),
    so that Sass resolves ``@use "components"`` to the theme's partial where it has one.
    """

    source_layers: tuple[Path, ...]
    build_folder: Path
    bundles_file: Path

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
        return [*self.sources().items(), (BUNDLES_INPUT, self.bundles_file),
                ("<package.json>", PROJECT_ROOT / "package.json")]

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


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    manifest: Manifest
    written: int
    unchanged: int
    removed: int
    seconds: float

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"Assets built: {len(self.manifest.files)} files, {self.written} written, "
                f"{self.unchanged} unchanged, {self.removed} removed, in {self.seconds:.2f} s")


def build_assets(paths: BuildPaths, environment, *, force: bool = False) -> BuildReport:
    """Build every bundle and publish every public file; skip the work if nothing changed."""
    started = time.perf_counter()
    paths.build_folder.mkdir(parents=True, exist_ok=True)
    with _exclusive(paths.lock):
        paths.merge_layers()
        fingerprint = source_fingerprint(paths.inputs())
        previous = Manifest.load(paths.manifest)
        if not force and previous and previous.sources == fingerprint and _all_published(previous, paths.public):
            return BuildReport(previous, 0, 0, 0, time.perf_counter() - started)
        publisher = Publisher(paths.public)
        bundles = dict(environment._named_bundles)
        consumed = _bundle_sources(paths.static_folder, bundles.values())
        files = {}
        for source in source_files(paths.static_folder):
            static_path = source.relative_to(paths.static_folder).as_posix()
            if static_path not in consumed and source.suffix != ".scss":
                files[static_path] = publisher.publish(static_path, source.read_bytes())
        for bundle in bundles.values():
            _check_references(paths.static_folder, bundle, files)
        outputs = {}
        for name, bundle in bundles.items():
            content = _built_bundle(bundle, environment)
            if bundle.output.endswith(".css"):
                content = rewrite_urls(content, bundle.output, files)
            files[bundle.output] = publisher.publish(bundle.output, content.encode())
            outputs[name] = bundle.output
        manifest = Manifest(files, fingerprint, outputs)
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


def local_reference(match: re.Match, folder: str) -> tuple[str, str, str] | None:
    """For a url() found in css in ``folder``: (url, static path it names, ?query or #fragment);
    None for what names no file of ours (data:, another site, an absolute path, a Sass variable)."""
    url = match.group("url").strip()
    if not url or NOT_A_FILE.match(url) or url.startswith("/") or "#{" in url or "$" in url:
        return None
    path, suffix = _split_suffix(url)
    return url, posixpath.normpath(posixpath.join(folder, path)), suffix


def rewrite_urls(css: str, output: str, files: dict[str, str]) -> str:
    """Point every url() in built CSS at the hashed file, relative to the CSS's own folder."""
    folder = posixpath.dirname(output)

    def hashed(match: re.Match) -> str:
        reference = local_reference(match, folder)
        if reference is None:
            return match.group(0)
        url, target, suffix = reference
        if target not in files:
            raise AssetBuildError(f"{output}: url({url}) names {target}, which is not in the static folder")
        return f"url({posixpath.relpath(files[target], folder)}{suffix})"

    return URL_REFERENCE.sub(hashed, css)


def _split_suffix(url: str) -> tuple[str, str]:
    """Split a url into its path and its ?query or #fragment (font URLs carry them)."""
    cut = min((index for index in (url.find("?"), url.find("#")) if index >= 0), default=len(url))
    return url[:cut], url[cut:]


def _check_references(static_folder: Path, bundle: Bundle, files: dict[str, str]) -> None:
    """Fail, naming the source file and line, if a stylesheet's url() names a file that is not there."""
    if not bundle.output.endswith(".css"):
        return
    folder = posixpath.dirname(bundle.output)
    for source in sorted(_expand(static_folder, [*bundle.contents, *(bundle.depends or [])])):
        lines = source.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            for match in URL_REFERENCE.finditer(line):
                reference = local_reference(match, folder)
                if reference is None:
                    continue
                url, target, _ = reference
                if target not in files:
                    where = source.relative_to(static_folder).as_posix()
                    raise AssetBuildError(
                        f"{where}:{number}: url({url}) names {target}, which is not in the static folder "
                        f"(url() paths are relative to the built stylesheet, {bundle.output})")


def _built_bundle(bundle: Bundle, environment) -> str:
    """Run a bundle's sources through its filters and return the result."""
    buffer = io.StringIO()
    try:
        with bundle.bind(environment):
            bundle.build(force=True, output=buffer)
    except AssetBuildError:
        raise
    except BuildError as error:
        cause = error.__cause__ or error.__context__
        raise AssetBuildError(str(cause if isinstance(cause, AssetBuildError) else error)) from None
    return buffer.getvalue()


def _bundle_sources(static_folder: Path, bundles) -> set[str]:
    """Static paths that bundles read, which are published only as part of their bundle."""
    consumed = set()
    for bundle in bundles:
        patterns = [*bundle.contents, *(bundle.depends or [])]
        consumed |= {path.relative_to(static_folder).as_posix() for path in _expand(static_folder, patterns)}
    return consumed


def _expand(static_folder: Path, patterns) -> set[Path]:
    """The files that bundle content or depends patterns name, relative to the static folder."""
    return {path for pattern in patterns if isinstance(pattern, str)
            for path in static_folder.glob(pattern) if path.is_file()}


def _all_published(manifest: Manifest, public: Path) -> bool:
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
