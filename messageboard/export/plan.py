"""What a static export holds: each page's URL, its file, and a digest of everything it shows."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import Flask

from messageboard import store, styleguide
from messageboard.core import PROJECT_ROOT, REVISIONS_PER_PAGE
from messageboard.export.urls import NOT_FOUND_PAGE, NOT_FOUND_URL, planned_page, planning


@dataclass(frozen=True)
class PageSpec:
    """One exported file: the site URL that renders it, where it goes, and what it depends on.

    ``preview``: a page of sample data (the styleguide's), whose links to pages no export holds lead to 404.html.
    """

    url: str
    path: str
    inputs: str
    status: int = 200
    preview: bool = False


def digest(*parts) -> str:
    """A short, stable digest of JSON-able parts."""
    return hashlib.sha256(json.dumps(parts, separators=(",", ":")).encode()).hexdigest()[:32]


def plan_pages(app: Flask, *, with_styleguide: bool = False) -> list[PageSpec]:
    """Every page of the site as a static preview: each list page, each message with its history and
    revisions, the index, 404, and the styleguide's pages if asked."""
    histories = store.revision_numbers()
    revisions = [(key, revision) for key, revision, _ in histories]
    greeting = dict(revisions).get(store.DEFAULT_KEY, "")
    per_page = app.config["MESSAGES_PER_PAGE"]
    total = len(revisions)
    pages = []
    with planning(app):
        for number in range(1, store.page_count(total, per_page) + 1):
            shown = revisions[(number - 1) * per_page : number * per_page]
            url, path = planned_page("messages.index", page=number if number > 1 else None)
            # A list page shows the count, its own rows and, the first, the greeting; nothing else can change it.
            pages.append(PageSpec(url, path, digest(number, total, greeting if number == 1 else "", shown)))
        pages += [PageSpec(*planned_page("messages.show", key=key), revision) for key, revision in revisions]
        for key, revision, numbers in histories:
            pages += history_pages(key, revision, numbers)
        pages.append(PageSpec(*planned_page("export.search_index"), digest(revisions)))
        pages.append(PageSpec(NOT_FOUND_URL, NOT_FOUND_PAGE, "", status=404))
        return pages + (styleguide_pages(app) if with_styleguide else [])


def history_pages(key: str, revision: str, numbers: list[int]) -> list[PageSpec]:
    """A message's history pages and each revision's page, inside ``planning(app)``: a revision is
    never changed, so each page shows no more than the message's revision and its own number."""
    pages = []
    for number in range(1, store.page_count(len(numbers), REVISIONS_PER_PAGE) + 1):
        url, path = planned_page("history.history", key=key, page=number if number > 1 else None)
        pages.append(PageSpec(url, path, digest("history", revision, number)))
    for number in numbers:
        url, path = planned_page("history.revision", key=key, number=number)
        pages.append(PageSpec(url, path, digest("revision", revision, number)))
    return pages


def styleguide_pages(app: Flask) -> list[PageSpec]:
    """The styleguide's index and each state's page, inside ``planning(app)``: they show the fixtures file alone."""
    fixtures = styleguide.fixtures(app)
    addresses = [
        planned_page("styleguide.index"),
        *(planned_page("styleguide.state", name=name) for name in fixtures.states),
    ]
    return [PageSpec(url, path, fixtures.digest, preview=True) for url, path in addresses]


def site_digest(app: Flask, options: dict) -> str:
    """A digest of what every page depends on: templates, code, built assets, settings, options."""
    sources = sorted([*(PROJECT_ROOT / "templates").rglob("*"), *(PROJECT_ROOT / "messageboard").rglob("*.py")])
    files = [
        (path.relative_to(PROJECT_ROOT).as_posix(), hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sources
        if path.is_file()
    ]
    assets = app.extensions["messageboard.assets"].published
    settings = {key: app.config[key] for key in ("MESSAGES_PER_PAGE", "STATIC_URL_PATH")}
    return digest(files, assets.sources, assets.files, settings, options)
