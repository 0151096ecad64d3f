"""Helpers for the browser tests: submitting forms, running axe-core."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

from messageboard.core import PROJECT_ROOT

AXE_SCRIPT = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"


# Below this width a page is opened as on a phone: touch, and the mobile viewport's rules.
PHONE_WIDTH_MAX = 767


def device_page(new_context, site, width: int, scheme: str = "light", height: int = 800) -> Page:
    """A page of the live site in a fresh context ``width`` by ``height`` CSS pixels (a phone's below
    768: touch and a mobile viewport), in the colour ``scheme``."""
    phone = width <= PHONE_WIDTH_MAX
    return new_context(
        base_url=site.url,
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
    ).new_page()


def click_and_load(page: Page, target: Locator) -> int:
    """Click a button or link that loads a page; return the final page's HTTP status (after redirects)."""
    with page.expect_navigation() as navigation:
        target.click()
    response = navigation.value
    assert response is not None
    return response.status


def open_page(page: Page, path: str) -> int:
    """Load a path of the site; return its HTTP status."""
    response = page.goto(path)
    assert response is not None
    return response.status


def axe_violations(page: Page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core on the page as it is; return the violations of the given impacts."""
    assert AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `npm ci` (make test does it)"
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the site's Content-Security-Policy does not
        # govern; a <script> tag with axe's source inline would be refused, as it should be.
        page.evaluate(f"() => {{ {AXE_SCRIPT.read_text(encoding='utf-8')}\n}}")
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [violation for violation in results["violations"] if violation["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    """Each violation's rule, impact, help and the elements it was found on, one per line."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(
                f"    {' '.join(map(str, node['target']))}: {node.get('failureSummary', '')}".replace("\n", " ")
            )
    return "\n".join(lines)
