"""The layout at a phone's width and a desktop's: nothing scrolls sideways, nothing is cut off.

Full-page screenshots go to test-artifacts/screenshots/<scheme>-<width>/<state>.png (git-ignored), where
`make screenshots` puts every state's, for people to look at.
"""

import pytest

from tests.browser.browser_helpers import SCREENSHOTS, device_page
from tests.browser.page_states import bring_to

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 375, "desktop": 1280}
STATES = [
    "list",
    "list-paginated",
    "show-long",
    "show-unbroken",
    "new-with-errors",
    "edit-conflict",
    "delete-confirm-long-key",
    "trash",
    "trash-key-taken",
    "error-404-message",
]
# What a visitor reads or uses: each must be visible, whole, inside the viewport's width.
KEY_ELEMENTS = (
    "header .brand, header nav a, header nav button, main h1, main input:not([type=hidden]), main textarea, main select, "
    "main button, main a.button, .pagination a, .message-text, .errors, .conflict"
)
# What a visitor taps: at least 24 by 24 CSS pixels (WCAG 2.2's minimum target size). Links inside
# a line of text (the "Edit" after each row's time) are exempt, as WCAG exempts them.
TAP_TARGETS = (
    "header nav a, header nav button, main input:not([type=hidden]), main textarea, main select, main button, main a.button, "
    ".actions a, .pagination a"
)
MIN_TAP_SIZE = 24

MEASURE = """([keySelector, tapSelector]) => {
  const describe = (element) => element.tagName.toLowerCase()
    + (element.className ? "." + [...element.classList].join(".") : "")
    + (element.textContent.trim() ? ` "${element.textContent.trim().slice(0, 30)}"` : "");
  const box = (element) => {
    const rect = element.getBoundingClientRect();
    return {element: describe(element), left: rect.left, right: rect.right, width: rect.width, height: rect.height,
            visible: element.checkVisibility(), inHeader: element.closest("header") !== null};
  };
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    key: [...document.querySelectorAll(keySelector)].map(box),
    taps: [...document.querySelectorAll(tapSelector)].map(box),
  };
}"""


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("device", WIDTHS)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_layout_fits_the_width(new_context, site, scheme, device, state):
    width = WIDTHS[device]
    phone = device == "phone"
    page = device_page(new_context, site, width, scheme)
    bring_to(state, page, site)
    page.screenshot(path=SCREENSHOTS / f"{scheme}-{width}" / f"{state}.png", full_page=True)

    layout = page.evaluate(MEASURE, [KEY_ELEMENTS, TAP_TARGETS])
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= width, f"{state} scrolls sideways at {width} px: {layout['scrollWidth']} px wide"
    elements = layout["key"]
    assert any(element["element"].startswith("h1") for element in elements)
    assert sum(element["inHeader"] for element in elements) == 4, "the brand, two links and Log out in the header"
    cut_off = [
        element
        for element in elements
        if not element["visible"] or element["left"] < 0 or element["right"] > width or element["width"] == 0
    ]
    assert not cut_off, f"{state} at {width} px: hidden or outside the viewport: {cut_off}"
    if phone:
        small = [
            target for target in layout["taps"] if target["width"] < MIN_TAP_SIZE or target["height"] < MIN_TAP_SIZE
        ]
        assert not small, f"{state} at {width} px: tap targets under {MIN_TAP_SIZE} px: {small}"
