"""The design in a real browser: the fold on a phone, the whole row as a target, hover, relative
times, dark mode and its toggle, and a one-line theme that recolours without moving anything."""

from __future__ import annotations

import re

import pytest

from tests.browser.browser_helpers import SCREENSHOTS, click_and_load, device_page, open_page
from tests.browser.page_states import bring_to, seed_some
from tests.helpers import parse

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}
# Every element's box, and the colours a theme's accent reaches, for comparing two renderings.
LAYOUT = """() => [...document.querySelectorAll("body *")].map((element) => {
  const box = element.getBoundingClientRect();
  return [element.tagName, Math.round(box.x), Math.round(box.y), Math.round(box.width), Math.round(box.height)];
})"""
COLOURS = """() => {
  const style = (selector) => getComputedStyle(document.querySelector(selector));
  return {
    button: style("header .button").backgroundColor,
    logo: style("header .logo").color,
    link: style(".message-key").color,
    body: style("body").backgroundColor,
    text: style("body").color,
  };
}"""


def test_the_first_message_is_above_the_fold_on_a_phone(new_context, site):
    page = device_page(new_context, site, PHONE["width"], height=PHONE["height"])
    bring_to("list", page, site)
    first_row = page.locator(".message-row").first.bounding_box()
    assert first_row["y"] + first_row["height"] <= PHONE["height"], f"the first message ends at {first_row}"
    header = page.locator("header.site-header").bounding_box()
    assert header["height"] <= 64, f"the header wraps on a phone: {header['height']} px tall"


def test_the_whole_row_leads_to_the_message_and_edit_still_edits(page, site):
    bring_to("list", page, site)
    row = page.locator(".message-row", has=page.locator(".message-key", has_text="groceries"))
    before = row.evaluate("row => getComputedStyle(row).backgroundColor")
    # A point on the excerpt's text, far from the key: the row's cover (the key's ::after) takes it.
    row_box, excerpt_box = row.bounding_box(), row.locator(".message-excerpt").bounding_box()
    on_the_excerpt = {"x": excerpt_box["width"] / 2, "y": excerpt_box["y"] - row_box["y"] + excerpt_box["height"] / 2}
    row.hover(position=on_the_excerpt)
    assert row.evaluate("row => getComputedStyle(row).backgroundColor") != before, "no hover state"
    with page.expect_navigation():
        row.click(position=on_the_excerpt)
    assert page.url.endswith("/messages/groceries")
    open_page(page, "/")
    assert click_and_load(page, page.get_by_role("link", name="Edit groceries")) == 200
    assert page.url.endswith("/messages/groceries/edit")


def test_excerpts_keep_line_breaks_and_times_read_as_relative(page, site):
    bring_to("list", page, site)
    row = page.locator(".message-row", has=page.locator(".message-key", has_text="groceries"))
    excerpt = row.locator(".message-excerpt")
    line_height = float(excerpt.evaluate("element => parseFloat(getComputedStyle(element).lineHeight)"))
    assert excerpt.bounding_box()["height"] >= 2 * line_height - 1, "the excerpt's line break was flattened"
    time = row.locator("time")
    assert re.fullmatch(r"Created (this minute|\d+ minutes? ago)", row.locator(".message-meta span").inner_text())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", time.get_attribute("datetime"))
    assert re.search(r"\d{4}", time.get_attribute("title")), "the exact time is on hover"


def test_dark_mode_is_its_own_palette(new_context, site):
    seed_some(site)
    shots, colours = {}, {}
    for scheme in ("light", "dark"):
        page = new_context(base_url=site.url, color_scheme=scheme).new_page()
        open_page(page, "/")
        shots[scheme] = page.screenshot(full_page=True)
        colours[scheme] = page.evaluate(COLOURS)
    assert shots["light"] != shots["dark"]
    assert colours["light"]["body"] != colours["dark"]["body"] and colours["light"]["text"] != colours["dark"]["text"]


def test_the_toggle_picks_a_scheme_remembered_across_pages_and_back_to_the_system(new_context, site):
    seed_some(site)
    page = new_context(base_url=site.url, color_scheme="light").new_page()
    open_page(page, "/")
    light = page.evaluate(COLOURS)["body"]
    toggle = page.get_by_label("Colours")
    toggle.select_option("dark")
    assert page.locator("html").get_attribute("data-color-scheme") == "dark"
    dark = page.evaluate(COLOURS)["body"]
    assert dark != light
    open_page(page, "/messages/groceries")  # another page: the choice is remembered
    assert page.locator("html").get_attribute("data-color-scheme") == "dark"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == dark
    assert page.get_by_label("Colours").input_value() == "dark"
    page.get_by_label("Colours").select_option("")
    assert page.locator("html").get_attribute("data-color-scheme") is None
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == light


def test_the_toggle_is_hidden_without_script(new_context, site):
    page = new_context(base_url=site.url, java_script_enabled=False).new_page()
    open_page(page, "/")
    assert not page.get_by_label("Colours").is_visible()


@pytest.fixture
def themed_stylesheet(make_app, tmp_path) -> str:
    """The stylesheet built with the README's one-line theme: `:root { --accent: #b00020; }`."""
    theme = tmp_path / "mytheme"
    (theme / "static" / "scss").mkdir(parents=True)
    (theme / "static" / "scss" / "_theme.scss").write_text(":root { --accent: #b00020; }\n")
    app = make_app(THEME_FOLDER=str(theme), ASSETS_BUILD_FOLDER=str(tmp_path / "build"), ASSETS_AUTO_BUILD=True)
    client = app.test_client()
    href = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    with client.get(href) as response:
        return response.get_data(as_text=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_one_line_theme_recolours_the_accent_and_nothing_moves(new_context, site, themed_stylesheet, scheme):
    seed_some(site)
    renderings = {}
    for name in ("built-in", "themed"):
        page = new_context(base_url=site.url, color_scheme=scheme).new_page()
        if name == "themed":
            page.route(
                re.compile(r".*/gen/site\.[0-9a-f]+\.css$"),
                lambda route: route.fulfill(status=200, content_type="text/css", body=themed_stylesheet),
            )
        open_page(page, "/")
        renderings[name] = (page.evaluate(LAYOUT), page.evaluate(COLOURS))
        page.screenshot(path=SCREENSHOTS / "theme" / f"{name}-{scheme}.png", full_page=True)
    (built_in_layout, built_in_colours), (themed_layout, themed_colours) = renderings.values()
    assert themed_layout == built_in_layout
    for accented in ("button", "logo", "link"):
        assert themed_colours[accented] != built_in_colours[accented], accented
    assert themed_colours["body"] == built_in_colours["body"] and themed_colours["text"] == built_in_colours["text"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_tokens_page_says_each_colours_contrast_in_the_scheme_in_force(new_context, site, scheme):
    page = new_context(base_url=site.url, color_scheme=scheme).new_page()
    open_page(page, "/_styleguide/tokens")
    ink = page.locator('[data-token="--ink"] [data-contrast]').inner_text()
    ratio = float(re.match(r"(\d+\.\d\d):1 on --paper", ink).group(1))
    assert ratio >= 7, f"--ink on --paper in {scheme}: {ink}"
    assert page.locator('[data-token="--paper"] [data-contrast]').inner_text().startswith("1.00:1")
    sample = page.locator('[data-token="--space-7"] .token-sample').bounding_box()
    assert sample["width"] == 48  # 3rem, drawn with the token's own value


@pytest.mark.parametrize("path", ["/_styleguide/", "/_styleguide/tokens"])
def test_the_styleguide_does_not_scroll_sideways_on_a_phone(new_context, site, path):
    seed_some(site)
    page = device_page(new_context, site, 375)
    open_page(page, path)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"{path} is {width} px wide at 375 px"


def test_the_viewport_switcher_shows_the_state_at_the_width_and_in_the_scheme_chosen(new_context, site):
    page = new_context(base_url=site.url, color_scheme="light").new_page()
    open_page(page, "/_styleguide/list-one/viewports?width=375&scheme=dark")
    inside = page.frame_locator("iframe")
    inside.locator("main h1").wait_for()
    frame = page.frames[1]
    assert frame.evaluate("window.innerWidth") == 375
    assert frame.evaluate("document.documentElement.dataset.colorScheme") == "dark"
    outer = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert frame.evaluate("getComputedStyle(document.body).backgroundColor") != outer  # dark inside a light page
    assert frame.evaluate("document.scrollingElement.scrollWidth") <= 375
