"""The export's one map of site URLs to files, read from the app's URL map, which the plan and the links share."""

import pytest

from messageboard import store
from messageboard.export.links import LinkStyle
from messageboard.export.plan import plan_pages
from messageboard.export.urls import PAGE, STATIC, ExportFile, ExportUrls


@pytest.fixture
def styleguide_app(make_app):
    """An app with the styleguide mounted, as ``flask export --styleguide`` has it."""
    return make_app(STYLEGUIDE=True)


@pytest.fixture
def urls(styleguide_app) -> ExportUrls:
    """The export's URL map of that app."""
    return ExportUrls(styleguide_app.url_map)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/", "index.html"),
        ("/?page=1", "index.html"),
        ("/?page=2", "page/2.html"),
        ("/?page=0012", "page/12.html"),
        ("/messages/zeta.1", "messages/zeta.1.html"),
        ("/messages/__KEY__", "messages/__KEY__.html"),
        ("/search-index.js", "search-index.js"),
        ("/_styleguide/", "_styleguide/index.html"),
        ("/_styleguide/edit-conflict", "_styleguide/edit-conflict.html"),
    ],
)
def test_each_exported_page_has_its_file(urls, url, path):
    found = urls.file_for(url)
    assert (found.kind, found.path) == (PAGE, path)


@pytest.mark.parametrize(
    "url",
    [
        "/?page=²",
        "/?page=٣",
        "/?page=+5",
        "/?page= 5",
        "/?page=",
        "/?page=two",  # not whole numbers
        "/?q=alpha",
        "/?page=2&sort=updated",
        "/messages/alpha?x=1",  # a search, an order, any other query
        "/messages/new",
        "/messages/alpha/edit",
        "/messages/alpha/delete",
        "/login",
        "/logout",  # forms
        "/_styleguide",
        "/nowhere",
        "/show/alpha",  # a redirect, no route, a route no export holds
    ],
)
def test_what_no_export_holds_has_no_file(urls, url):
    assert urls.file_for(url) is None


def test_static_files_keep_their_path_under_any_static_url_path(make_app):
    urls = ExportUrls(make_app(STATIC_URL_PATH="/differentstatic").url_map)
    assert urls.file_for("/differentstatic/gen/site.css") == ExportFile(
        STATIC, "differentstatic/gen/site.css", "static"
    )
    assert urls.file_for("/static/gen/site.css") is None


def test_every_planned_page_is_the_file_its_url_maps_to(styleguide_app, urls):
    with styleguide_app.app_context():
        store.add_many([(f"key-{number}", "text") for number in range(45)])
        pages = plan_pages(styleguide_app, with_styleguide=True)
    assert [page.path for page in pages if page.path.startswith("page/")] == ["page/2.html", "page/3.html"]
    for page in pages:
        if page.status == 200:
            assert urls.file_for(page.url).path == page.path


def test_links_point_at_the_files_the_urls_map_to(urls):
    style = LinkStyle(urls, base_path="/pr/")
    body = b'<a href="/?page=2#top"></a><a href="/messages/alpha"></a><a href="/"></a><a href="/messages/new"></a>'
    rewritten = style.rewrite(body, "messages/beta.html")
    assert rewritten.body == (
        b'<a href="/pr/page/2.html#top"></a><a href="/pr/messages/alpha.html"></a>'
        b'<a href="/pr/"></a><a href="/messages/new"></a>'
    )
    assert rewritten.pages == {"page/2.html", "messages/alpha.html", "index.html"}
    assert rewritten.unknown == ["/messages/new"]
