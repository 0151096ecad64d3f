"""The static export: render every planned page with GET requests, in parallel, into a staging
folder; carry over files whose inputs did not change; check every link; then swap it in."""

from __future__ import annotations

import ctypes
import hashlib
import io
import json
import multiprocessing
import os
import posixpath
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import Flask

from messageboard.assets.build import URL_REFERENCE, local_reference
from messageboard.export.links import LinkStyle
from messageboard.export.plan import PageSpec, plan_pages, site_digest
from messageboard.extensions import db
from messageboard.http_security import stand_in_host

EXPORT_REQUEST = "messageboard.export"
CHUNK = 250


class ExportError(Exception):
    """The export cannot be completed; the previous export, if any, is left as it was."""


@dataclass(frozen=True)
class ExportOptions:
    """Where to export and how pages link each other."""

    out: Path
    base_path: str = "/"
    relative: bool = False
    styleguide: bool = False
    workers: int = os.cpu_count() or 1


@dataclass
class ExportReport:
    """What an export did."""

    pages: int = 0
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    bytes: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        """The one line an export ends with."""
        return (f"Exported {self.pages} pages: {self.written} files written, {self.unchanged} unchanged, "
                f"{self.removed} removed, {self.bytes:,} bytes, in {self.seconds:.2f} s")


@dataclass
class _Rendered:
    """What rendering one page found."""

    path: str
    inputs: str
    written: bool
    size: int
    static_files: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def export_site(app: Flask, options: ExportOptions,
                progress: Callable[[int, int], None] = lambda rendered, total: None) -> ExportReport:
    """Export the site into ``options.out``; raise ExportError (leaving the old export) on any problem.

    ``progress`` hears, as pages render, how many more were rendered and how many will be.
    """
    started = time.perf_counter()
    out = options.out.resolve()
    style = LinkStyle(app.static_url_path, options.base_path, options.relative)
    _refuse_foreign_folder(out)
    if options.styleguide and "styleguide" not in app.blueprints:
        raise ExportError("The styleguide is not mounted on this app: create it with STYLEGUIDE on "
                          "(`flask export --styleguide` mounts it itself)")
    with app.app_context():
        specs = plan_pages(app, with_styleguide=options.styleguide)
        site = site_digest(app, {"base_path": options.base_path, "relative": options.relative})
        db.close(app)  # the worker processes open their own connections
    state_file = Path(app.instance_path) / "export-state" / f"{_name(out)}.json"
    previous = _load_state(state_file, site) if out.is_dir() else {}
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        report = ExportReport(pages=len(specs))
        carried, to_render = [], []
        for spec in specs:
            old = previous.get(spec.path)
            if old and old["inputs"] == spec.inputs and (out / spec.path).is_file():
                carried.append(spec)
            else:
                to_render.append(spec)
        for spec in carried:
            _link_or_copy(out / spec.path, staging / spec.path)
        report.unchanged += len(carried)
        rendered = _render_all(app, to_render, style, out, staging, options.workers, progress)
        planned = {spec.path for spec in specs}
        problems = [problem for page in rendered for problem in page.problems]
        problems += [f"{page.path}: links {target}, which is not exported"
                     for page in rendered for target in sorted(page.pages - planned)]
        static_files = {name for page in rendered for name in page.static_files}
        static_files |= {name for spec in carried for name in previous[spec.path]["static"]}
        problems += _copy_static(app, static_files, out, staging, report)
        if problems:
            raise ExportError("The export failed, so the previous one is kept:\n  "
                              + "\n  ".join(sorted(set(problems))))
        for page in rendered:
            report.written += page.written
            report.unchanged += not page.written
            report.bytes += page.size if page.written else 0
        report.removed = len(_files(out) - _files(staging)) if out.is_dir() else 0
        _swap(staging, out)
        _save_state(state_file, site, carried, rendered, previous)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _render_all(app, specs, style, out, staging, workers, progress) -> list[_Rendered]:
    """Render pages, in worker processes (one per core) when there are enough to share."""
    chunks = [specs[start:start + CHUNK] for start in range(0, len(specs), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        _start_worker(app)
        results = []
        for chunk in chunks:
            results += _render_chunk(chunk, style, out, staging)
            progress(len(chunk), len(specs))
        return results
    results = []
    # fork: workers inherit the app as it is; nothing is pickled but page lists and results.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(app,)) as pool:
        render = partial(_render_chunk, style=style, out=out, staging=staging)
        for chunk, rendered in zip(chunks, pool.map(render, chunks)):
            results += rendered
            progress(len(chunk), len(specs))
    return results


_app: Flask | None = None


def _start_worker(app: Flask) -> None:
    global _app
    _app = app


def _get(url: str):
    """Dispatch a GET for ``url`` into the app, as an export request, and return the response."""
    # Straight into Flask with a minimal environ: the WSGI layers in front of it (static files,
    # page cache) serve nothing a page needs, and werkzeug's test client costs a third of a page.
    path, _, query = url.partition("?")
    # A host TRUSTED_HOSTS accepts: Flask refuses any other before the page renders.
    environ = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": stand_in_host(_app.config), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(),
               "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": True,
               "wsgi.run_once": False, EXPORT_REQUEST: True}
    with _app.request_context(environ):
        return _app.full_dispatch_request()


def _render_chunk(specs: list[PageSpec], style: LinkStyle, out: Path, staging: Path) -> list[_Rendered]:
    """GET each page as an export request, point its links at exported files, and stage it."""
    results, folders, out_exists = [], set(), out.is_dir()
    for spec in specs:
        response = _get(spec.url)
        body = response.get_data()
        page = _Rendered(spec.path, spec.inputs, written=True, size=len(body))
        if response.status_code != spec.status:
            page.problems.append(f"GET {spec.url} answered {response.status_code}, not {spec.status}")
        if response.mimetype == "text/html":
            rewritten = style.rewrite(body, spec.path, preview=spec.preview)
            body, page.static_files, page.pages = rewritten.body, rewritten.static_files, rewritten.pages
            page.problems += [f"{spec.path}: links {url}, which the export does not hold"
                              for url in rewritten.unknown]
            page.size = len(body)
        old, target = out / spec.path, staging / spec.path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if out_exists and old.is_file() and old.stat().st_size == len(body) and old.read_bytes() == body:
            page.written = False
            _link_or_copy(old, target)
        else:
            _write(target, body)
        results.append(page)
    return results


def _write(path: Path, content: bytes) -> None:
    """Write a new file with the fewest system calls (thousands of pages make them count)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def _copy_static(app: Flask, static_files: set[str], out: Path, staging: Path, report: ExportReport) -> list[str]:
    """Copy the built files pages name, and those their css names, from the public folder."""
    public = Path(app.static_folder)
    prefix = app.static_url_path.strip("/") + "/"
    problems, pending, copied = [], sorted(static_files), set()
    while pending:
        name = pending.pop()
        if name in copied:
            continue
        copied.add(name)
        source = public / name.removeprefix(prefix)
        if not source.is_file():
            problems.append(f"{name} is not among the built static files")
            continue
        content = source.read_bytes()
        if name.endswith(".css"):
            folder = posixpath.dirname(name)
            references = (local_reference(match, folder) for match in URL_REFERENCE.finditer(content.decode()))
            pending += [reference[1] for reference in references if reference]
        old = out / name
        if old.is_file() and old.read_bytes() == content:
            _link_or_copy(old, staging / name)
            report.unchanged += 1
        else:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(content)
            report.written += 1
            report.bytes += len(content)
    return problems


def _refuse_foreign_folder(out: Path) -> None:
    """Refuse to replace a folder that is not an export, such as the project itself."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "index.html").is_file())):
        raise ExportError(f"{out} exists and is not a static export: choose a new or empty folder with --out")


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def _swap(staging: Path, out: Path) -> None:
    """Put the staging folder in place of ``out`` in one step where Linux allows it."""
    if not out.exists():
        os.rename(staging, out)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    rename_exchange = 2  # renameat2(2) RENAME_EXCHANGE swaps two paths atomically
    at_fdcwd = -100
    if hasattr(libc, "renameat2") and libc.renameat2(at_fdcwd, bytes(staging), at_fdcwd, bytes(out),
                                                      rename_exchange) == 0:
        return  # the old export now sits at the staging path, which the caller removes
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def _name(out: Path) -> str:
    return hashlib.sha256(str(out).encode()).hexdigest()[:16]


def _load_state(state_file: Path, site: str) -> dict:
    """The pages of the last export to this folder, if it was made from the same templates and options."""
    try:
        state = json.loads(state_file.read_text())
    except (OSError, ValueError):
        return {}
    return state["pages"] if state.get("site") == site else {}


def _save_state(state_file: Path, site: str, carried, rendered, previous) -> None:
    pages = {spec.path: previous[spec.path] for spec in carried}
    pages.update({page.path: {"inputs": page.inputs, "static": sorted(page.static_files)} for page in rendered})
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps({"site": site, "pages": pages}))
