"""Live reload in a real browser: from saving a file to the open page showing the change.

The development server runs as `make dev` starts it (`flask run --debug`, development settings),
with a theme folder of copies of templates/base.html and static/scss/_base.scss: the bench edits
those copies, never the project's files. Headless chromium holds the home page open.

Each run starts on Python's clock just before the file is written, and ends on the page's clock,
in the page: for an SCSS save, when the page's ``live-reload:css`` event fires with the new style
applied; for a template save, at DOMContentLoaded of the reloaded page. Playwright only waits; its
polling is not in the figure. The page's clock (``performance.timeOrigin + performance.now()``)
is put on Python's ``time.perf_counter()`` by the quickest of a few round trips, done on the very
document whose time is read, so the two clocks need not agree.

The baseline, measured the same way in the same rounds: a manual reload of the same page with
nothing changed, from just before ``page.reload()`` to DOMContentLoaded of the new document.

Run ``python -m bench.live_reload`` to measure only this and print its lines.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT_ROOT, WORK_DIR, BenchError
from bench.server import Server, flask_dev_server, wait_for_ok

RUNS = 15
WARMUP_ROUNDS = 1
GOAL_MS = 300
SCSS = "static/scss/_base.scss"
TEMPLATE = "templates/base.html"
PAGE = "/"
EVENTS_PATH = "/_live-reload/events"
# Time for the watcher to go quiet after a run, so one run's save never reaches the next.
SETTLE_SECONDS = 0.3
# How long a save may take to show before the bench gives up on it.
TIMEOUT_MS = 10_000
CALIBRATION_ROUND_TRIPS = 5
TOKEN_ID = "bench-live-reload"
# Root in a container needs --no-sandbox; the rest keep chromium from calling Google's services
# and from looking for a GPU. The same flags as the browser tests.
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


@dataclass(frozen=True)
class LiveReloadTimes:
    """Milliseconds from save to updated page, per run, and of each manual reload (the baseline)."""

    css: list[float]
    template: list[float]
    manual: list[float]


def require_chromium() -> str:
    """Return the chromium to drive: $CHROMIUM, else `chromium` on the PATH; fail if there is none."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        raise BenchError(
            "chromium is not installed: run `make bench`, which installs it, "
            "or `apt-get install chromium`, or set CHROMIUM to a chromium executable"
        )
    return path


def development_environment(folder: Path, theme: Path) -> dict[str, str]:
    """The development settings with the theme, and a build folder, instance and HOME in ``folder``."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("MESSAGEBOARD_")}
    return {
        **inherited,
        "HOME": str(folder / "home"),
        "MESSAGEBOARD_CONFIG": "development",
        "MESSAGEBOARD_THEME_FOLDER": str(theme),
        "MESSAGEBOARD_ASSETS_BUILD_FOLDER": str(folder / "build"),
        "MESSAGEBOARD_INSTANCE_PATH": str(folder / "instance"),
    }


def measure(runs: int = RUNS) -> LiveReloadTimes:
    """Serve a throwaway theme with the development server and time saves in chromium."""
    from playwright.sync_api import Error, sync_playwright

    executable = require_chromium()
    WORK_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="live-reload-", dir=WORK_DIR) as temporary:
        folder = Path(temporary)
        theme = folder / "theme"
        for name in (SCSS, TEMPLATE):
            (theme / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PROJECT_ROOT / name, theme / name)
        with (
            flask_dev_server("live-reload", development_environment(folder, theme)) as server,
            sync_playwright() as driver,
        ):
            wait_for_ok(server, PAGE)
            browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
            try:
                return Session(server, browser.new_page(), theme).measure(runs)
            except (Error, BenchError) as error:
                raise server.failure(f"live reload in chromium: {error}{restart_note(server)}") from None
            finally:
                browser.close()


def restart_note(server: Server) -> str:
    """Say so if the server restarted for a saved Python file: its reloader watches every one."""
    restarts = [
        line for line in server.log_path.read_text(errors="replace").splitlines() if "Detected change in" in line
    ]
    if not restarts:
        return ""
    return (
        "\nThe development server restarted during the run, as `make dev` does when a Python file "
        "is saved:\n" + "\n".join(restarts) + "\nRun it again while no Python file is being edited."
    )


class Session:
    """One page open on the development server, and the theme files whose saves it shows."""

    def __init__(self, server: Server, page, theme: Path):
        self.server = server
        self.page = page
        self.scss = theme / SCSS
        self.template = theme / TEMPLATE
        self.scss_original = self.scss.read_text(encoding="utf-8")
        self.template_original = self.template.read_text(encoding="utf-8")
        if "</body>" not in self.template_original:
            raise BenchError(f"{TEMPLATE} has no </body> to add the run's token before")
        self.changes = 0

    def measure(self, runs: int) -> LiveReloadTimes:
        """Open the page, then time each kind once per round, in an order rotated each round."""
        with self.connected():
            self.page.goto(self.server.url(PAGE), wait_until="domcontentloaded")
        kinds: dict[str, Callable[[], float]] = {
            "manual": self.manual_reload,
            "css": self.save_scss,
            "template": self.save_template,
        }
        samples: dict[str, list[float]] = {kind: [] for kind in kinds}
        order = list(kinds)
        for number in range(WARMUP_ROUNDS + runs):
            shift = number % len(order)
            for kind in [*order[shift:], *order[:shift]]:
                milliseconds = kinds[kind]()
                if number >= WARMUP_ROUNDS:
                    samples[kind].append(milliseconds)
                time.sleep(SETTLE_SECONDS)
        return LiveReloadTimes(samples["css"], samples["template"], samples["manual"])

    @contextmanager
    def connected(self) -> Iterator[None]:
        """Wait, on leaving, for the page loaded meanwhile to open its live-reload stream."""
        with self.page.expect_response(lambda response: EVENTS_PATH in response.url, timeout=TIMEOUT_MS):
            yield

    def manual_reload(self) -> float:
        """Reload the page with nothing changed; milliseconds until the new page's DOMContentLoaded."""
        with self.connected():
            started = time.perf_counter() * 1000
            self.page.reload(wait_until="domcontentloaded", timeout=TIMEOUT_MS)
        return self.dom_content_loaded() - started

    def save_scss(self) -> float:
        """Save a new border width in _base.scss; milliseconds until the page applies the new sheet."""
        self.changes += 1
        width = f"{self.changes}px"  # a new value every time, so every save really changes the css
        self.page.evaluate(WATCH_CSS, width)
        offset = self.clock_offset()
        text = self.scss_original + f"\nhtml {{ border-top: {width} solid rgb(1, 2, 3); }}\n"
        started = time.perf_counter() * 1000
        self.scss.write_text(text, encoding="utf-8")
        result = self.page.evaluate(AWAIT_CSS, TIMEOUT_MS)
        if result is None:
            raise BenchError(f"saving {SCSS} with a {width} border: the page did not apply it within {TIMEOUT_MS} ms")
        if not result["sameDocument"]:
            raise BenchError(f"saving {SCSS} reloaded the page instead of swapping the stylesheet")
        return result["at"] - offset - started

    def save_template(self) -> float:
        """Add a new token to base.html; milliseconds until the reloaded page's DOMContentLoaded."""
        self.changes += 1
        token = f"bench run {self.changes}"
        text = self.template_original.replace("</body>", f'<p id="{TOKEN_ID}" hidden>{token}</p>\n</body>', 1)
        self.page.evaluate("window.benchOldDocument = true")
        with self.connected(), self.page.expect_event("domcontentloaded", timeout=TIMEOUT_MS):
            started = time.perf_counter() * 1000
            self.template.write_text(text, encoding="utf-8")
        shown = self.page.evaluate(
            f"[document.getElementById('{TOKEN_ID}')?.textContent, window.benchOldDocument === true]"
        )
        if shown != [token, False]:
            raise BenchError(
                f"saving {TEMPLATE} with {token!r}: the page that loaded shows "
                f"{shown[0]!r}{' and was not reloaded' if shown[1] else ''}"
            )
        return self.dom_content_loaded() - started

    def dom_content_loaded(self) -> float:
        """When the current document's DOMContentLoaded finished, in perf_counter milliseconds."""
        at = self.page.evaluate(
            "performance.timeOrigin + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
        )
        return at - self.clock_offset()

    def clock_offset(self) -> float:
        """The page's clock minus perf_counter, in milliseconds, from the quickest round trip."""
        trips = []
        for _ in range(CALIBRATION_ROUND_TRIPS):
            before = time.perf_counter() * 1000
            page_time = self.page.evaluate("performance.timeOrigin + performance.now()")
            after = time.perf_counter() * 1000
            trips.append((after - before, page_time - (before + after) / 2))
        return min(trips)[1]


# Before the save: a promise that resolves on the live-reload:css event whose new sheet gives <html>
# the expected border, with the page's time taken once that style is computed.
WATCH_CSS = """(width) => {
  const before = getComputedStyle(document.documentElement).borderTopWidth;
  if (before === width) throw new Error(`the page already has a ${width} border`);
  window.benchCss = new Promise((resolve) => {
    const check = () => {
      if (getComputedStyle(document.documentElement).borderTopWidth !== width) return;
      const at = performance.timeOrigin + performance.now();
      document.removeEventListener("live-reload:css", check);
      resolve(at);
    };
    document.addEventListener("live-reload:css", check);
  });
  window.benchSameDocument = true;
}"""
AWAIT_CSS = """async (timeout) => {
  if (window.benchSameDocument !== true) return { at: null, sameDocument: false };
  const at = await Promise.race([window.benchCss, new Promise((resolve) => setTimeout(resolve, timeout, null))]);
  return at === null ? null : { at, sameDocument: window.benchSameDocument === true };
}"""


def main() -> int:
    """Measure only live reload and print its lines of the report."""
    from bench.report import live_reload_lines

    print(f"Timing live reload in chromium ({RUNS} runs each)", flush=True)
    try:
        times = measure()
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print("\n".join(live_reload_lines(times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
