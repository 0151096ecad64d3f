"""Live reload in a real browser, against the development server as `make dev` starts it."""

from __future__ import annotations

import contextlib
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from messageboard.core import PROJECT_ROOT
from tests.live_server import DevServer

pytestmark = pytest.mark.browser

SCSS = "static/scss/_base.scss"
TEMPLATE = "templates/base.html"


@pytest.fixture(scope="module")
def theme(tmp_path_factory) -> Path:
    """A theme holding copies of base.html and _base.scss, which the tests edit."""
    folder = tmp_path_factory.mktemp("live-reload") / "theme"
    for name in (SCSS, TEMPLATE):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text((PROJECT_ROOT / name).read_text())
    return folder


@pytest.fixture(scope="module")
def dev_server(theme: Path) -> Iterator[DevServer]:
    """`flask run --debug` on development settings, with the theme and a build folder of its own."""
    with DevServer(
        theme.parent / "server.log",
        HOME=str(theme.parent / "home"),
        MESSAGEBOARD_CONFIG="development",
        MESSAGEBOARD_THEME_FOLDER=str(theme),
        MESSAGEBOARD_ASSETS_BUILD_FOLDER=str(theme.parent / "build"),
        MESSAGEBOARD_INSTANCE_PATH=str(theme.parent / "instance"),
    ) as server:
        yield server


@pytest.fixture
def edit(theme: Path, dev_server: DevServer) -> Iterator:
    """Save a theme file with a change; every file is put back as it was after the test."""
    originals = {name: (theme / name).read_text() for name in (SCSS, TEMPLATE)}

    def save(name: str, change) -> None:
        path = theme / name
        path.write_text(change(path.read_text()))

    yield save
    changed = [name for name, text in originals.items() if (theme / name).read_text() != text]
    if changed:
        # Wait for the server to announce the restore (if it changes what pages show at all), so
        # that the announcement cannot reload the next test's page.
        with urllib.request.urlopen(f"{dev_server.url}/_live-reload/events?since={2**62}", timeout=1) as stream:
            assert b"event: hello" in stream.readline() + stream.readline() + stream.readline()
            for name in changed:
                (theme / name).write_text(originals[name])
            deadline = time.monotonic() + 3
            with contextlib.suppress(TimeoutError):
                while time.monotonic() < deadline and not stream.readline().startswith(b"id: "):
                    pass


@pytest.fixture
def listening_page(new_context, dev_server: DevServer) -> Page:
    """The home page, open and connected to the live-reload stream, marked to tell a reload."""
    page = new_context(base_url=dev_server.url).new_page()
    with page.expect_response(lambda response: "/_live-reload/events" in response.url):
        page.goto("/")
    page.evaluate("window.notReloaded = true")
    return page


def not_reloaded(page: Page) -> bool:
    return page.evaluate("window.notReloaded === true")


def test_a_stylesheet_change_swaps_in_without_a_reload(listening_page: Page, edit):
    header = listening_page.locator("header.site-header")
    expect(header).not_to_have_css("border-top-width", "7px")

    edit(SCSS, lambda scss: scss + "\n.site-header { border-top: 7px solid rgb(1, 2, 3); }\n")

    expect(header).to_have_css("border-top-width", "7px")
    assert not_reloaded(listening_page)
    assert listening_page.locator('link[rel="stylesheet"]').count() == 1


def test_a_template_change_reloads_the_page(listening_page: Page, edit):
    edit(TEMPLATE, lambda html: html.replace("short messages, by key", "saved and shown by itself"))

    expect(listening_page.locator("footer.site-footer p")).to_have_text("Messageboard · saved and shown by itself")
    assert not not_reloaded(listening_page)


def test_a_template_syntax_error_shows_on_the_page_and_the_fix_brings_it_back(listening_page: Page, edit):
    edit(TEMPLATE, lambda html: html.replace("<main", "{% if %}<main", 1))
    expect(listening_page.locator(".template-location")).to_contain_text("theme/templates/base.html:")

    edit(TEMPLATE, lambda html: html.replace("{% if %}<main", "<main", 1))
    expect(listening_page.locator("header.site-header")).to_be_visible()


def test_a_sass_error_shows_on_the_page_and_the_fix_brings_it_back(listening_page: Page, edit):
    edit(SCSS, lambda scss: scss + "\n.broken { color: red;\n")
    expect(listening_page.locator(".build-problem")).to_contain_text("scss/_base.scss")

    edit(SCSS, lambda scss: scss.replace("\n.broken { color: red;\n", "\n"))
    expect(listening_page.locator("header.site-header")).to_be_visible()
