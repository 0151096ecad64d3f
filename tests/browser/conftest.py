"""Browser test fixtures: Debian's chromium driven by Playwright, against the real gunicorn.

Per pytest-xdist worker (session scope): one chromium, one gunicorn with an SQLite file of its own.
Per test: the database emptied, and pages in fresh browser contexts (no shared cookies or cache).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from messageboard import create_app, store
from messageboard.auth.editors import add_editor
from messageboard.database.schema import message_count, message_revisions, messages, trashed_messages
from messageboard.extensions import db
from tests.live_server import LiveServer

EDITOR, EDITOR_PASSWORD = "browser-editor", "a password for the browser tests"

# Root in a container needs --no-sandbox. The rest keep chromium from calling Google's services
# (refused on a closed network, and slow to give up) and from using a GPU that is not there.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's chromium: $CHROMIUM if set, else `chromium` on the PATH. Fails the test if missing."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            "The browser tests need Debian's chromium: `apt-get install chromium` (make test does it), "
            "or set CHROMIUM to a chromium executable. Playwright's own browser download is not used.",
            pytrace=False,
        )
    return path


def note_csp_refusals(errors: list[str]) -> Callable:
    """A console listener adding to ``errors`` whatever the site's Content-Security-Policy refused."""

    def listen(message) -> None:
        # chromium: "Refused to execute inline script because it violates the following Content Security Policy..."
        if "Content Security Policy" in message.text:
            errors.append(f"{message.page.url if message.page else ''}: {message.text}")

    return listen


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, started once per worker."""
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    """One headless chromium per worker; each test gets its own contexts in it."""
    chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


class Site:
    """The live server, and its database reached directly to set up what a test needs."""

    def __init__(self, server: LiveServer, database_url: str, instance_path):
        self.server = server
        self.url = server.url
        # A second app on the same SQLite file; the server's page cache sees its commits.
        with pytest.MonkeyPatch.context() as environment:
            for name in [name for name in os.environ if name.startswith("MESSAGEBOARD_")]:
                environment.delenv(name)
            self.app = create_app("testing", instance_path=instance_path, DATABASE_URL=database_url)

    def clear(self) -> None:
        """Delete every message, the default one too, with the trash and every revision."""
        with self.app.app_context(), db.writing() as connection:
            for table in (messages, trashed_messages, message_revisions):
                connection.execute(table.delete())
            connection.execute(message_count.update().values(total=0))

    def add(self, key: str, text: str) -> store.Message:
        """Store one message."""
        with self.app.app_context():
            return store.add_message(key, text)

    def add_many(self, pairs) -> int:
        """Store many messages in one transaction."""
        with self.app.app_context():
            return store.add_many(pairs)

    def put(self, key: str, text: str) -> None:
        """Replace a message's text (or add it), as another visitor's save would."""
        with self.app.app_context():
            store.put_message(key, text)

    def delete(self, key: str) -> None:
        """Delete a message, as another visitor would."""
        with self.app.app_context():
            store.delete_message(key)

    def get(self, key: str) -> store.Message | None:
        """The stored message, or None."""
        with self.app.app_context():
            return store.get_message(key)

    def keys(self) -> list[str]:
        """Every stored key, in key order."""
        with self.app.app_context():
            return [key for key, _ in store.revision_tokens()]


@pytest.fixture(scope="session")
def live_site(tmp_path_factory) -> Iterator[Site]:
    """gunicorn (two workers, staging settings) on an SQLite file of this worker's own."""
    folder = tmp_path_factory.mktemp("browser-site")
    database_url = f"sqlite:///{folder / 'messageboard.sqlite3'}"
    # Staging: production's rules (page cache on, no debug, no GET writes) plus the styleguide.
    with LiveServer(
        folder / "gunicorn.log",
        workers=2,
        HOME=str(folder / "home"),
        MESSAGEBOARD_CONFIG="staging",
        MESSAGEBOARD_SECRET_KEY="browser-test-secret",
        MESSAGEBOARD_INSTANCE_PATH=str(folder / "instance"),
        MESSAGEBOARD_DATABASE_URL=database_url,
    ) as server:
        site = Site(server, database_url, folder / "seeding-instance")
        with site.app.app_context():
            add_editor(EDITOR, EDITOR_PASSWORD)
        yield site
        with site.app.app_context():
            db.engine.dispose()


@pytest.fixture
def site(live_site: Site) -> Site:
    """The live site with an empty database: no message, not even the default one."""
    live_site.clear()
    return live_site


@pytest.fixture(scope="session")
def editor_session(browser: Browser, live_site: Site) -> dict:
    """The cookies of an editor who logged in through the login form, once per worker."""
    context = browser.new_context(base_url=live_site.url)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Name").fill(EDITOR)
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    assert page.locator(".editor-name").text_content() == EDITOR
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def new_context(browser: Browser, editor_session: dict) -> Iterator[Callable[..., BrowserContext]]:
    """A factory of fresh browser contexts (own cache and viewport), closed after the test.

    Each starts logged in as the editor (Staging needs a login to change messages), unless made
    with ``anonymous=True``. Uncaught JavaScript errors on any page fail the test.
    """
    contexts: list[BrowserContext] = []
    script_errors: list[str] = []

    def factory(*, anonymous: bool = False, **options) -> BrowserContext:
        session = {} if anonymous else {"storage_state": editor_session}
        context = browser.new_context(**{"locale": "en-US", "timezone_id": "UTC", **session, **options})
        context.on(
            "weberror", lambda error: script_errors.append(f"{error.page.url if error.page else ''}: {error.error}")
        )
        context.on("console", note_csp_refusals(script_errors))
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()
    assert not script_errors, f"JavaScript errors: {script_errors}"


@pytest.fixture
def page(new_context, site: Site) -> Page:
    """A page in a fresh context whose relative URLs go to the live site."""
    return new_context(base_url=site.url).new_page()
