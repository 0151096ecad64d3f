"""THEME_FOLDER: a theme's templates and static files override the built-in ones of the same name."""

from __future__ import annotations

from pathlib import Path

import pytest

from messageboard.core import PROJECT_ROOT, ConfigError
from tests.helpers import add_message, parse


@pytest.fixture
def theme(tmp_path) -> Path:
    """An empty theme folder with templates/ and static/."""
    folder = tmp_path / "theme"
    (folder / "templates").mkdir(parents=True)
    (folder / "static").mkdir()
    return folder


@pytest.fixture
def themed(make_app, theme, tmp_path):
    """A factory of development-like apps on ``theme``, building into a folder of their own."""

    def factory(**overrides):
        return make_app(
            THEME_FOLDER=str(theme), ASSETS_BUILD_FOLDER=str(tmp_path / "build"), ASSETS_AUTO_BUILD=True, **overrides
        )

    return factory


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def stylesheet(client) -> str:
    href = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    with client.get(href) as response:
        return response.get_data(as_text=True)


def test_a_theme_template_overrides_the_built_in_one_and_the_rest_fall_back(themed, theme):
    write(
        theme / "templates" / "messages" / "show.html",
        '{% extends "base.html" %}{% block content %}<p class="themed">{{ message.text }}</p>{% endblock %}',
    )
    client = themed().test_client()
    add_message(client, "greeting", "Hi there")

    shown = parse(client.get("/messages/greeting"))
    assert shown.select_one("p.themed").get_text() == "Hi there"
    assert shown.select_one("header.site-header") is not None  # base.html is still the built-in one
    keys = [link.get_text() for link in parse(client.get("/")).select("a.message-key")]
    assert keys == ["default", "greeting"]  # the list page is still the built-in one


def test_a_theme_partial_overrides_the_one_built_in_templates_include(themed, theme):
    write(
        theme / "templates" / "messages" / "_partials" / "_message_row.html",
        '{% macro message_row(message, read_only=False) %}<li class="themed-row">{{ message.key }}</li>{% endmacro %}',
    )
    client = themed().test_client()
    add_message(client, "one", "First")
    assert [row.get_text() for row in parse(client.get("/")).select("li.themed-row")] == ["default", "one"]


def test_a_theme_scss_partial_replaces_the_built_in_partial_in_the_built_stylesheet(themed, theme):
    write(theme / "static" / "scss" / "_components.scss", ".themed-component { color: rebeccapurple; }\n")
    css = stylesheet(themed().test_client())
    assert ".themed-component{color:#639}" in css
    assert ".message-list" not in css  # the built-in _components.scss is replaced, not added to
    assert "body{" in css  # _base.scss still comes from static/


def test_a_theme_image_replaces_the_built_in_one_at_the_same_url(themed, theme):
    replacement = theme / "static" / "images" / "logo.svg"
    write(replacement, (PROJECT_ROOT / "static" / "images" / "logo.svg").read_text() + "<!-- themed -->\n")
    client = themed().test_client()
    href = parse(client.get("/")).select_one('link[rel="icon"]')["href"]
    with client.get(href) as response:
        assert response.get_data() == replacement.read_bytes()


def test_a_theme_template_extends_the_built_in_one_of_its_name_and_overrides_one_block(themed, theme):
    write(
        theme / "templates" / "base.html",
        '{% extends "messageboard/base.html" %}'
        '{% block extra_head %}<meta name="theme-color" content="#b00020">{% endblock %}',
    )
    client = themed().test_client()
    add_message(client, "greeting", "Hi there")
    page = parse(client.get("/messages/greeting"))
    assert page.select_one('meta[name="theme-color"]')["content"] == "#b00020"
    assert page.title.get_text() == "greeting · Messageboard"  # show.html's own block, as without the theme
    # Everything else is the built-in layout: header, the page's own content, footer.
    assert page.select_one("header.site-header .brand") is not None
    assert page.select_one("main h1").get_text() == "greeting"
    assert page.select_one("footer.site-footer") is not None


def test_built_in_templates_answer_to_the_messageboard_prefix_without_a_theme(make_app):
    app = make_app()
    with app.app_context():
        assert app.jinja_env.get_template("messageboard/base.html").filename.endswith("templates/base.html")


def test_the_theme_hook_adds_rules_after_the_built_in_ones(themed, theme):
    write(theme / "static" / "scss" / "_theme.scss", ":root { --accent: #b00020; }\n")
    css = stylesheet(themed().test_client())
    assert css.rindex("--accent:#b00020") > css.index("--accent:#3148c9")
    assert ".message-list" in css and "body{" in css  # the built-in partials are all still there


def test_removing_a_theme_file_falls_back_to_the_built_in_one(themed, theme):
    override = theme / "static" / "scss" / "_components.scss"
    write(override, ".themed-component { color: red; }\n")
    client = themed().test_client()
    assert ".themed-component" in stylesheet(client)
    override.unlink()
    css = stylesheet(client)
    assert ".themed-component" not in css and ".message-list" in css


def test_a_theme_folder_that_is_not_there_stops_the_start_naming_the_setting(make_app, tmp_path):
    with pytest.raises(ConfigError, match=r"^THEME_FOLDER names .*missing, which is not a folder"):
        make_app(THEME_FOLDER=str(tmp_path / "missing"))
