"""`make screenshots`: every page state and every styleguide state at 375 and 1280 px, light and dark,
into test-artifacts/screenshots/<scheme>-<width>/<state>.png, then the states whose pixels changed
since the previous run, with the share of pixels changed (test-artifacts/screenshots/changes.txt).

Not a test (`make test` does not collect it: the name does not start with test_); pytest runs it by
name for the browser tests' fixtures: the live gunicorn and Debian's chromium.
"""

from __future__ import annotations

import base64
import shutil

import pytest
from playwright.sync_api import Page

from messageboard.core import PROJECT_ROOT
from tests.browser.browser_helpers import device_page
from tests.browser.page_states import STATES, bring_to
from tests.helpers import styleguide_fixtures

pytestmark = pytest.mark.browser

OUTPUT = PROJECT_ROOT / "test-artifacts" / "screenshots"
PREVIOUS = PROJECT_ROOT / "test-artifacts" / "screenshots-previous"
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")
# The screenshots this compares: <scheme>-<width>/<state>.png (tests may leave others, such as theme/).
SHOT_PATTERN = "*-*/*.png"
STYLEGUIDE_STATES = [state["name"] for state in styleguide_fixtures()["states"]]
# The share of two screenshots' pixels that differ, as the browser decodes them; 1 if their sizes differ.
CHANGED_SHARE = """async ([before, after]) => {
  const load = (source) => new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = reject;
    image.src = source;
  });
  const [first, second] = await Promise.all([load(before), load(after)]);
  if (first.width !== second.width || first.height !== second.height) return 1;
  const pixels = (image) => {
    const canvas = new OffscreenCanvas(image.width, image.height);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    return context.getImageData(0, 0, image.width, image.height).data;
  };
  const [a, b] = [pixels(first), pixels(second)];
  let changed = 0;
  for (let index = 0; index < a.length; index += 4) {
    if (a[index] !== b[index] || a[index + 1] !== b[index + 1] || a[index + 2] !== b[index + 2]) changed++;
  }
  return changed / (a.length / 4);
}"""


def data_url(path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def changed_share(page: Page, before, after) -> float:
    """The share of pixels that differ between two PNG files, decoded by the browser."""
    return page.evaluate(CHANGED_SHARE, [data_url(before), data_url(after)])


@pytest.fixture(scope="module")
def previous_run():
    """The last run's screenshots, moved aside so this run writes a fresh set."""
    shutil.rmtree(PREVIOUS, ignore_errors=True)
    if OUTPUT.is_dir():
        OUTPUT.rename(PREVIOUS)
    OUTPUT.mkdir(parents=True)
    return PREVIOUS


def shoot(new_context, site, scheme: str, reach) -> None:
    """Screenshot one state at each width in ``scheme``, reached afresh by ``reach(page)``."""
    for width in WIDTHS:
        page = device_page(new_context, site, width, scheme)
        name = reach(page)
        folder = OUTPUT / f"{scheme}-{width}"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=folder / f"{name}.png", full_page=True, animations="disabled")
        page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_screenshot_every_state(new_context, site, previous_run, scheme):
    for state in STATES:

        def reach_page_state(page, state=state):
            site.clear()
            bring_to(state, page, site)
            return state

        shoot(new_context, site, scheme, reach_page_state)
    for state in STYLEGUIDE_STATES:

        def reach_styleguide_state(page, state=state):
            page.goto(f"/_styleguide/{state}")
            return f"styleguide-{state}"

        shoot(new_context, site, scheme, reach_styleguide_state)


def test_list_what_changed_since_the_previous_run(new_context, site, previous_run):
    page = new_context(base_url=site.url).new_page()
    page.goto("/hello")
    shots = sorted(OUTPUT.glob(SHOT_PATTERN))
    if not any(previous_run.glob(SHOT_PATTERN)):
        print(f"\n{len(shots)} screenshots in {OUTPUT.relative_to(PROJECT_ROOT)}/; the next run lists what changed.")
        return
    lines = []
    for shot in shots:
        name = shot.relative_to(OUTPUT).as_posix()
        before = previous_run / name
        if not before.exists():
            lines.append(f"new        {name}")
        elif (share := changed_share(page, before, shot)) > 0:
            lines.append(f"{share:9.4%}  {name}")
    lines += [
        f"gone       {old.relative_to(previous_run).as_posix()}"
        for old in sorted(previous_run.glob(SHOT_PATTERN))
        if not (OUTPUT / old.relative_to(previous_run)).exists()
    ]
    report = "\n".join(lines) if lines else "no screenshot changed since the previous run"
    (OUTPUT / "changes.txt").write_text(report + "\n", encoding="utf-8")
    print(f"\nScreenshots in {OUTPUT.relative_to(PROJECT_ROOT)}/; changed since the previous run:\n{report}")
