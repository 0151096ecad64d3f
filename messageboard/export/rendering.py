"""Rendering the export's pages: each a GET into the app, marked as the export's, its links pointed at
exported files, then staged; in worker processes (one per core) when there are enough pages to share."""

from __future__ import annotations

import io
import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import Flask

from messageboard.export.folders import link_or_copy, write_file
from messageboard.export.links import LinkStyle
from messageboard.export.plan import PageSpec
from messageboard.http_security import stand_in_host
from messageboard.render_mode import RENDER_MODE, RenderMode

CHUNK = 250


@dataclass
class RenderedPage:
    """What rendering one page found."""

    path: str
    inputs: str
    written: bool
    size: int
    static_files: set[str] = field(default_factory=set)
    pages: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def render_pages(
    app: Flask,
    specs: list[PageSpec],
    style: LinkStyle,
    mode: RenderMode,
    out: Path,
    staging: Path,
    workers: int,
    progress: Callable[[int, int], None],
) -> list[RenderedPage]:
    """Render pages in ``mode`` into ``staging``, in worker processes (one per core) when there are enough to share."""
    chunks = [specs[start : start + CHUNK] for start in range(0, len(specs), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        _start_worker(app, style, mode)
        results = []
        for chunk in chunks:
            results += _render_chunk(chunk, out, staging)
            progress(len(chunk), len(specs))
        return results
    results = []
    # fork: workers inherit the app, the link style and the mode as they are (the first two could not be
    # pickled, nor need to be); nothing is pickled but page lists and results.
    with ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_start_worker, initargs=(app, style, mode)
    ) as pool:
        render = partial(_render_chunk, out=out, staging=staging)
        for chunk, rendered in zip(chunks, pool.map(render, chunks), strict=True):
            results += rendered
            progress(len(chunk), len(specs))
    return results


_app: Flask | None = None
_style: LinkStyle | None = None
_mode: RenderMode | None = None


def _start_worker(app: Flask, style: LinkStyle, mode: RenderMode) -> None:
    """Give this process the app that renders pages, the style that links them and the mode they render in."""
    global _app, _style, _mode
    _app, _style, _mode = app, style, mode


def _get(url: str):
    """Dispatch a GET for ``url`` into the app, as an export request, and return the response."""
    # Straight into Flask with a minimal environ: the WSGI layers in front of it (static files,
    # page cache) serve nothing a page needs, and werkzeug's test client costs a third of a page.
    path, _, query = url.partition("?")
    # A host TRUSTED_HOSTS accepts: Flask refuses any other before the page renders.
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": stand_in_host(_app.config),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        RENDER_MODE: _mode,
    }
    with _app.request_context(environ):
        return _app.full_dispatch_request()


def _render_chunk(specs: list[PageSpec], out: Path, staging: Path) -> list[RenderedPage]:
    """GET each page as an export request, point its links at exported files, and stage it."""
    results, folders, out_exists = [], set(), out.is_dir()
    for spec in specs:
        response = _get(spec.url)
        body = response.get_data()
        page = RenderedPage(spec.path, spec.inputs, written=True, size=len(body))
        if response.status_code != spec.status:
            page.problems.append(f"GET {spec.url} answered {response.status_code}, not {spec.status}")
        if response.mimetype == "text/html":
            rewritten = _style.rewrite(body, spec.path, preview=spec.preview)
            body, page.static_files, page.pages = rewritten.body, rewritten.static_files, rewritten.pages
            page.problems += [f"{spec.path}: links {url}, which the export does not hold" for url in rewritten.unknown]
            page.size = len(body)
        old, target = out / spec.path, staging / spec.path
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        if out_exists and old.is_file() and old.stat().st_size == len(body) and old.read_bytes() == body:
            page.written = False
            link_or_copy(old, target)
        else:
            write_file(target, body)
        results.append(page)
    return results
