"""Live reload: development pages listen for saved files; nothing of it exists anywhere else."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from jinja2 import UndefinedError

from messageboard.assets.build import HASHED_NAME
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.export import ExportOptions, export_site
from tests.helpers import parse


def watcher_of(app):
    return app.extensions["messageboard.live_reload"]


def events_after(watcher, number: int) -> list:
    return watcher.broadcaster.events_after(number, timeout=0)


def test_development_pages_load_the_listener_from_their_head(dev_app):
    client = dev_app.test_client()
    page = parse(client.get("/"))
    script = page.head.select_one('script[src$="/_live-reload/client.js"]')
    assert script["data-events"] == "/_live-reload/events?since=0" and script.has_attr("defer")
    with client.get(script["src"]) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "EventSource" in response.get_data(as_text=True)


@pytest.mark.parametrize("config", ["staging", "production", "testing"])
def test_nothing_of_live_reload_exists_outside_development(make_app, config, tmp_path):
    app = make_app(config, SECRET_KEY="a-secret-of-this-test", ASSETS_BUILD_FOLDER=str(tmp_path / "build"))
    app.extensions["messageboard.assets"].build()
    client = app.test_client()
    page = client.get("/")
    assert "live-reload" not in page.get_data(as_text=True)
    assert client.get("/_live-reload/events").status_code == 404
    assert client.get("/_live-reload/client.js").status_code == 404
    assert not [path for path in (tmp_path / "build").rglob("*") if "client" in path.name]


def test_live_reload_without_a_rebuilding_server_stops_the_start(make_app):
    with pytest.raises(ConfigError, match=r"^LIVE_RELOAD needs ASSETS_AUTO_BUILD"):
        make_app("production", SECRET_KEY="a-secret-of-this-test", LIVE_RELOAD=True)


def test_a_saved_stylesheet_is_rebuilt_and_announced_as_a_swap(dev_app, dev_site):
    watcher = watcher_of(dev_app)
    before = parse(dev_app.test_client().get("/")).select_one('link[rel="stylesheet"]')["href"]
    partial = Path(dev_site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    partial.write_text(partial.read_text() + ".swapped-in { color: red; }\n")

    watcher.handle({partial})

    [event] = events_after(watcher, 0)
    assert event.kind == "css"
    [swap] = event.data["stylesheets"]
    assert swap["path"] == "gen/site.css" and HASHED_NAME.search(swap["hashed"])
    assert not before.endswith(swap["hashed"])
    with dev_app.test_client().get(f"/static/{swap['hashed']}") as response:
        assert ".swapped-in {\n  color: red;\n}" in response.get_data(as_text=True)  # development: unminified


@pytest.mark.parametrize(
    ("changed", "published"), [("js/char-count.js", "gen/site.js"), ("images/logo.svg", "images/logo.svg")]
)
def test_a_saved_script_or_image_is_rebuilt_and_reloads_the_page(dev_app, dev_site, changed, published):
    """Scripts and images may be used anywhere on the page: only a reload shows them."""
    watcher = watcher_of(dev_app)
    path = Path(dev_site["STATIC_FOLDER"]) / changed
    dev_app.extensions["messageboard.assets"].rebuild_if_changed()
    old = dev_app.extensions["messageboard.assets"].published.hashed(published)
    with path.open("ab") as file:
        file.write(b"\nwindow.changedByTheTest = true;\n")

    watcher.handle({path})

    assert [event.kind for event in events_after(watcher, 0)] == ["reload"]
    assert dev_app.extensions["messageboard.assets"].published.hashed(published) != old


def test_a_new_theme_template_reloads_the_page_and_shows_at_once(dev_app, dev_site):
    client = dev_app.test_client()
    assert parse(client.get("/")).select_one(".themed") is None
    override = Path(dev_site["THEME_FOLDER"]) / "templates" / "messages" / "index.html"
    override.parent.mkdir()
    override.write_text('{% extends "base.html" %}{% block content %}<p class="themed">New</p>{% endblock %}')

    watcher_of(dev_app).handle({override})

    assert [event.kind for event in events_after(watcher_of(dev_app), 0)] == ["reload"]
    assert parse(client.get("/")).select_one(".themed").get_text() == "New"


def break_a_stylesheet(app, site) -> tuple[Path, str]:
    """Save a Sass error into a partial and let the watcher handle it; return the partial and its good text."""
    partial = Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    good = partial.read_text()
    partial.write_text(".broken { color: red;\n")
    watcher_of(app).handle({partial})
    return partial, good


def test_a_broken_stylesheet_reloads_into_the_error_and_its_fix_reloads_out_of_it(dev_app, dev_site):
    watcher = watcher_of(dev_app)
    partial, good = break_a_stylesheet(dev_app, dev_site)
    page = dev_app.test_client().get("/")
    assert page.status_code == 500
    script = parse(page).head.select_one('script[src$="/_live-reload/client.js"]')
    with dev_app.test_client().get(script["src"]) as listener:
        assert listener.status_code == 200  # the failed build must not keep the fix from being heard

    partial.write_text(good)
    watcher.handle({partial})

    assert [event.kind for event in events_after(watcher, 0)] == ["reload", "reload"]
    assert dev_app.test_client().get("/").status_code == 200


def test_the_stream_greets_then_carries_a_change_saved_on_disk(dev_app, dev_site):
    stream = watcher_of(dev_app).stream(since=0)
    hello = next(stream).decode()
    assert "event: hello" in hello and json.loads(hello.split("data: ")[1])["boot"] == watcher_of(dev_app).boot

    received = []
    reader = threading.Thread(target=lambda: received.append(next(stream).decode()))
    reader.start()
    template = Path(dev_site["THEME_FOLDER"]) / "templates" / "base.html"
    # The watcher thread starts with the first stream; save until it has seen a change.
    while reader.is_alive():
        template.write_text((PROJECT_ROOT / "templates" / "base.html").read_text())
        reader.join(timeout=0.2)
    assert received[0].startswith("id: 1\nevent: reload\n")
    stream.close()


def test_a_page_hears_of_changes_saved_after_it_was_rendered_even_before_it_listens(dev_app, dev_site):
    client = dev_app.test_client()
    watcher = watcher_of(dev_app)
    watcher.broadcaster.publish("reload", {"changed": ["before.html"]})
    events_url = parse(client.get("/")).head.select_one("script[data-events]")["data-events"]
    assert events_url == "/_live-reload/events?since=1"
    watcher.broadcaster.publish("reload", {"changed": ["after.html"]})

    with client.get(events_url, buffered=False) as response:
        chunks = response.iter_encoded()
        assert b"event: hello" in next(chunks)
        assert next(chunks).startswith(b'id: 2\nevent: reload\ndata: {"changed": ["after.html"]}')

    with client.get("/_live-reload/events", headers={"Last-Event-ID": "1"}, buffered=False) as response:
        chunks = response.iter_encoded()
        next(chunks)
        assert next(chunks).startswith(b"id: 2\n")


def test_a_stream_that_fell_behind_is_told_to_reload(dev_app):
    broadcaster = watcher_of(dev_app).broadcaster
    for number in range(100):
        broadcaster.publish("css", {"stylesheets": [], "number": number})
    [event] = broadcaster.events_after(1, timeout=0)
    assert event.kind == "reload" and event.number == 100


def test_a_template_syntax_error_shows_its_file_and_line_then_recovers(dev_app, dev_site):
    client = dev_app.test_client()
    override = Path(dev_site["THEME_FOLDER"]) / "templates" / "base.html"
    good = (PROJECT_ROOT / "templates" / "base.html").read_text()
    override.write_text(good.replace("<main", "{% if %}<main", 1))
    watcher_of(dev_app).handle({override})

    response = client.get("/")
    assert response.status_code == 500
    page = parse(response)
    line = good[: good.index("<main")].count("\n") + 1
    assert page.select_one(".template-location").get_text() == f"{override}:{line}"
    assert page.select_one(".broken-line")["data-line"] == str(line)
    assert "{% if %}<main" in page.select_one(".broken-line").get_text()
    assert page.head.select_one('script[src$="/_live-reload/client.js"]') is not None

    override.write_text(good)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("broken", "problem"),
    [
        ("{{ no_such_variable }}<main", "'no_such_variable' is undefined"),
        ("{{ no_such_variable.attribute }}<main", "'no_such_variable' is undefined"),
        ('{% include "_partials/_no_such_partial.html" %}<main', "_partials/_no_such_partial.html"),
    ],
)
def test_a_template_failing_while_rendering_shows_its_file_and_line_then_recovers(dev_app, dev_site, broken, problem):
    client = dev_app.test_client()
    override = Path(dev_site["THEME_FOLDER"]) / "templates" / "base.html"
    good = (PROJECT_ROOT / "templates" / "base.html").read_text()
    override.write_text(good.replace("<main", broken, 1))
    watcher_of(dev_app).handle({override})

    response = client.get("/")
    assert response.status_code == 500
    page = parse(response)
    line = good[: good.index("<main")].count("\n") + 1
    assert page.select_one("h1").get_text() == "A template failed while rendering"
    assert page.select_one(".template-location").get_text() == f"{override}:{line}"
    assert problem in page.select_one(".template-problem").get_text()
    assert page.select_one(".broken-line")["data-line"] == str(line)
    assert page.head.select_one('link[rel="stylesheet"]') is not None  # styled as the site
    assert page.head.select_one('script[src$="/_live-reload/client.js"]') is not None

    override.write_text(good)
    watcher_of(dev_app).handle({override})
    assert client.get("/").status_code == 200


def test_testing_makes_an_undefined_variable_an_error_and_production_does_not(make_app, tmp_path):
    theme = tmp_path / "theme" / "templates"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text("<p>{{ no_such_variable }}</p>")
    with pytest.raises(UndefinedError, match="'no_such_variable' is undefined"):
        make_app(THEME_FOLDER=str(tmp_path / "theme")).test_client().get("/")
    staging = make_app("staging", SECRET_KEY="a-secret-of-this-test", THEME_FOLDER=str(tmp_path / "theme"))
    response = staging.test_client().get("/")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "<p></p>")


def test_template_errors_outside_development_are_the_plain_500_page(make_app, tmp_path):
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    (tmp_path / "theme" / "templates" / "messages").mkdir()
    (tmp_path / "theme" / "templates" / "messages" / "index.html").write_text("{% if %}")
    app = make_app("staging", SECRET_KEY="a-secret-of-this-test", THEME_FOLDER=str(tmp_path / "theme"))
    response = app.test_client().get("/")
    assert response.status_code == 500
    assert parse(response).select_one(".template-location") is None
    assert "index.html" not in response.get_data(as_text=True)


def test_an_export_from_development_carries_no_listener(dev_app, tmp_path):
    export_site(dev_app, ExportOptions(out=tmp_path / "site"))
    pages = list((tmp_path / "site").rglob("*.html"))
    assert pages
    assert not [page for page in pages if "live-reload" in page.read_text()]


def test_a_fix_is_announced_even_when_a_page_request_rebuilt_first(dev_app, dev_site):
    watcher = watcher_of(dev_app)
    partial, good = break_a_stylesheet(dev_app, dev_site)
    partial.write_text(good)
    # The error page's browser asks for /favicon.ico before the watcher hears of the fix.
    assert dev_app.test_client().get("/favicon.ico").status_code == 404

    watcher.handle({partial})

    assert [event.kind for event in events_after(watcher, 0)] == ["reload", "reload"]


def test_a_stylesheet_a_page_request_rebuilt_first_is_still_swapped(dev_app, dev_site):
    watcher = watcher_of(dev_app)
    dev_app.test_client().get("/")  # the open page, which shows the stylesheet before the save
    partial = Path(dev_site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    partial.write_text(partial.read_text() + ".rebuilt-by-a-request { color: red; }\n")
    dev_app.test_client().get("/")

    watcher.handle({partial})

    [event] = events_after(watcher, 0)
    assert event.kind == "css"


@pytest.mark.parametrize("since", ["²", "9" * 5000, "-1"])
def test_a_stream_asked_from_a_number_that_is_not_one_starts_from_the_beginning(dev_app, since):
    """Not a 500: the number goes through the one whole-number rule (core.whole_number)."""
    with dev_app.test_client().get(f"/_live-reload/events?since={since}", buffered=False) as stream:
        assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
        assert next(stream.response).startswith(b"retry: ")
