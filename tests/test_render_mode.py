"""The render mode: one object per request saying how its page is seen (live, exported, a styleguide state)."""

import ast

import pytest
from flask import template_rendered

from messageboard.core import PROJECT_ROOT
from messageboard.render_mode import EXPORT, LIVE, RENDER_MODE, RenderMode, render_mode


def modes_rendered(app, client, url: str) -> list[RenderMode]:
    """The ``render_mode`` each template of the page at ``url`` was rendered with."""
    seen = []

    def record(sender, template, context, **extra):
        seen.append(context["render_mode"])

    with template_rendered.connected_to(record, app):
        client.get(url)
    return seen


def test_live_pages_render_in_the_live_mode(app, client):
    assert modes_rendered(app, client, "/") == [LIVE]
    assert not LIVE.read_only and not LIVE.exported and LIVE.state is None and LIVE.flashes is None


def test_the_exports_requests_carry_the_export_mode(app):
    with app.test_request_context("/", environ_overrides={RENDER_MODE: EXPORT}):
        assert render_mode() is EXPORT and EXPORT.read_only and EXPORT.exported
    with app.test_request_context("/"):
        assert render_mode() is LIVE
    with app.app_context():
        assert render_mode() is LIVE


def test_a_styleguide_state_renders_in_its_own_mode(make_app):
    guide_app = make_app(STYLEGUIDE=True)
    client = guide_app.test_client()
    (state_page,) = modes_rendered(guide_app, client, "/_styleguide/show-after-save")
    assert (state_page.state.name, state_page.flashes, state_page.read_only, state_page.exported) == (
        "show-after-save",
        (("success", "Saved default."),),
        False,
        False,
    )
    (exported_look,) = modes_rendered(guide_app, client, "/_styleguide/list-static-export")
    assert exported_look.read_only and not exported_look.exported
    (index,) = modes_rendered(guide_app, client, "/_styleguide/")
    assert (index.state, index.flashes, index.read_only) == (None, (), False)


def test_a_preview_of_an_exported_page_stays_exported():
    previewed = EXPORT.previewing("a state", flashes=[("success", "Saved.")])
    assert (previewed.exported, previewed.read_only, previewed.state) == (True, False, "a state")


def test_a_modes_flashes_answer_as_get_flashed_messages_does():
    mode = LIVE.previewing(flashes=[("success", "Saved."), ("error", "Not saved.")])
    assert mode.get_flashed_messages() == ["Saved.", "Not saved."]
    assert mode.get_flashed_messages(with_categories=True) == [("success", "Saved."), ("error", "Not saved.")]
    assert mode.get_flashed_messages(category_filter=["error"]) == ["Not saved."]


@pytest.mark.parametrize("feature", ["live_reload", "styleguide"])
def test_features_ask_the_render_mode_not_the_export(feature):
    imported = set()
    for path in (PROJECT_ROOT / "messageboard" / feature).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    assert not {name for name in imported if name.startswith("messageboard.export")}
