"""The static export: render every planned page with GET requests, in parallel, into a staging
folder; carry over files whose inputs did not change; check every link; then swap it in."""

from __future__ import annotations

import os
import posixpath
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from flask import Flask

from messageboard.assets.css_urls import URL_REFERENCE, local_reference
from messageboard.export.folders import files_in, foreign_problem, link_or_copy, mark, staging_folder, swap
from messageboard.export.links import LinkStyle
from messageboard.export.plan import PageSpec, plan_pages, site_digest
from messageboard.export.rendering import RenderedPage, render_pages
from messageboard.export.state import load_state, save_state, state_file
from messageboard.export.urls import ExportUrls
from messageboard.extensions import db
from messageboard.render_mode import EXPORT


class ExportError(Exception):
    """The export cannot be completed; the previous export, if any, is left as it was."""


@dataclass(frozen=True)
class ExportOptions:
    """Where to export and how pages link each other."""

    out: Path
    base_path: str = "/"
    relative: bool = False
    styleguide: bool = False
    # Whether search engines may index the pages; without it each says noindex (a preview is no site).
    indexed: bool = False
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
        return (
            f"Exported {self.pages} pages: {self.written} files written, {self.unchanged} unchanged, "
            f"{self.removed} removed, {self.bytes:,} bytes, in {self.seconds:.2f} s"
        )


def export_site(
    app: Flask, options: ExportOptions, progress: Callable[[int, int], None] = lambda rendered, total: None
) -> ExportReport:
    """Export the site into ``options.out``; raise ExportError (leaving the old export) on any problem.

    ``progress`` hears, as pages render, how many more were rendered and how many will be.
    """
    started = time.perf_counter()
    out = options.out.resolve()
    _check_can_export(app, options, out)
    _build_if_the_app_builds(app)
    with app.app_context():
        specs = plan_pages(app, with_styleguide=options.styleguide)
        site = site_digest(
            app, {"base_path": options.base_path, "relative": options.relative, "indexed": options.indexed}
        )
        db.close(app)  # the worker processes open their own connections
    state = state_file(app.instance_path, out)
    previous = load_state(state, site) if out.is_dir() else {}
    staging = staging_folder(out)
    try:
        report = ExportReport(pages=len(specs))
        carried, to_render = _carry_over(specs, previous, out, staging)
        report.unchanged += len(carried)
        style = LinkStyle(ExportUrls(app.url_map), options.base_path, options.relative)
        mode = replace(EXPORT, indexed=options.indexed)
        rendered = render_pages(app, to_render, style, mode, out, staging, options.workers, progress)
        static_files = {name for page in rendered for name in page.static_files}
        static_files |= {name for spec in carried for name in previous[spec.path]["static"]}
        problems = _link_problems(specs, rendered) + _copy_static(app, static_files, out, staging, report)
        if problems:
            raise ExportError(
                "The export failed, so the previous one is kept:\n  " + "\n  ".join(sorted(set(problems)))
            )
        _count_rendered(report, rendered)
        mark(staging)
        report.removed = len(files_in(out) - files_in(staging)) if out.is_dir() else 0
        swap(staging, out)
        save_state(state, site, _state_pages(carried, rendered, previous))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    return report


def _check_can_export(app: Flask, options: ExportOptions, out: Path) -> None:
    """Refuse an export that would replace what is not an export, or that asks for a styleguide the app lacks."""
    if problem := foreign_problem(out):
        # Only what an export wrote itself is ever replaced: a web root with an index.html is not one.
        raise ExportError(
            f"{out} is not replaced: {problem}. An export replaces only a folder it wrote, an empty one "
            "or none: choose one with --out (default site/)"
        )
    if options.styleguide and "styleguide" not in app.blueprints:
        raise ExportError(
            "The styleguide is not mounted on this app: create it with STYLEGUIDE on "
            "(`flask export --styleguide` mounts it itself)"
        )


def _build_if_the_app_builds(app: Flask) -> None:
    """Where pages rebuild the assets (ASSETS_AUTO_BUILD), rebuild what changed first, so that the
    plan and every page name the same, current files; a failed build fails the export."""
    if not app.config["ASSETS_AUTO_BUILD"]:
        return
    assets = app.extensions["messageboard.assets"]
    assets.rebuild_if_changed()
    if assets.build_error:
        raise ExportError(f"The static files cannot be built, so the previous export is kept:\n  {assets.build_error}")


def _carry_over(
    specs: list[PageSpec], previous: dict, out: Path, staging: Path
) -> tuple[list[PageSpec], list[PageSpec]]:
    """Stage the last export's files whose inputs did not change; return their pages, and those left to render."""
    carried, to_render = [], []
    for spec in specs:
        old = previous.get(spec.path)
        if old and old["inputs"] == spec.inputs and (out / spec.path).is_file():
            link_or_copy(out / spec.path, staging / spec.path)
            carried.append(spec)
        else:
            to_render.append(spec)
    return carried, to_render


def _link_problems(specs: list[PageSpec], rendered: list[RenderedPage]) -> list[str]:
    """What rendering found wrong, and every link to a page the export does not hold."""
    planned = {spec.path for spec in specs}
    problems = [problem for page in rendered for problem in page.problems]
    return problems + [
        f"{page.path}: links {target}, which is not exported"
        for page in rendered
        for target in sorted(page.pages - planned)
    ]


def _count_rendered(report: ExportReport, rendered: list[RenderedPage]) -> None:
    """Add the rendered pages to the report: written if they changed, else unchanged."""
    for page in rendered:
        report.written += page.written
        report.unchanged += not page.written
        report.bytes += page.size if page.written else 0


def _state_pages(carried: list[PageSpec], rendered: list[RenderedPage], previous: dict) -> dict:
    """Each file of this export: its inputs and the static files it names."""
    pages = {spec.path: previous[spec.path] for spec in carried}
    pages.update({page.path: {"inputs": page.inputs, "static": sorted(page.static_files)} for page in rendered})
    return pages


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
            link_or_copy(old, staging / name)
            report.unchanged += 1
        else:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(content)
            report.written += 1
            report.bytes += len(content)
    return problems
