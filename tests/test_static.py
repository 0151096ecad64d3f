"""Static files: every page links its css, js and images through the pipeline, under any folder or path."""

import shutil

import pytest

from tests.conftest import parse

PAGES = ["/", "/messages/default", "/messages/new", "/messages/default/edit", "/messages/default/delete",
         "/messages/missing"]
CONTENT_TYPES = {"css": "text/css", "js": "text/javascript", "png": "image/png"}


def linked_urls(page) -> list[str]:
    """Return every stylesheet, script and image URL a parsed page loads."""
    return ([link["href"] for link in page.select("link[href]")]
            + [element["src"] for element in page.select("script[src], img[src]")])


def assert_every_link_resolves(client, prefix: str) -> set[str]:
    """Fetch every page and every file it links; assert each answers 200 with the right type."""
    seen = set()
    for url in PAGES:
        page = parse(client.get(url))
        for linked in linked_urls(page):
            assert linked.startswith(prefix + "/"), linked
            path = linked.split("?")[0]
            with client.get(linked) as response:
                assert response.status_code == 200, linked
                assert response.mimetype == CONTENT_TYPES[path.rsplit(".", 1)[-1]], linked
                assert response.content_length > 0
            seen.add(path)
    return seen


def test_every_page_links_the_bundles_and_logo_and_they_resolve(client):
    seen = assert_every_link_resolves(client, "/static")
    assert seen == {"/static/gen/site.css", "/static/gen/site.js", "/static/images/logo.png"}


def test_bundle_urls_carry_a_version_that_follows_the_content(client):
    page = parse(client.get("/"))
    stylesheet = page.select_one('link[rel="stylesheet"]')["href"]
    assert stylesheet.startswith("/static/gen/site.css?") and len(stylesheet.split("?")[1]) >= 8


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_or_style_and_no_outside_urls(client, url):
    page = parse(client.get(url))
    assert page.select("style") == []
    assert [script for script in page.select("script") if not script.get("src")] == []
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not [name for name in element.attrs if name.startswith("on")], element
    for linked in linked_urls(page) + [a["href"] for a in page.select("a[href]")]:
        assert linked.startswith(("/", "#")), linked


def test_templates_never_hard_code_the_static_path(root):
    for template in (root / "templates").rglob("*.html"):
        assert "/static" not in template.read_text(), template


def test_static_url_path_can_be_changed_and_every_link_follows(make_app):
    client = make_app(STATIC_URL_PATH="/differentstatic").test_client()
    seen = assert_every_link_resolves(client, "/differentstatic")
    assert "/differentstatic/images/logo.png" in seen
    with client.get("/static/images/logo.png") as response:
        assert response.status_code == 404


def test_static_folder_outside_the_package_is_served_and_bundled(make_app, root, tmp_path):
    folder = tmp_path / "elsewhere"
    shutil.copytree(root / "static", folder, ignore=shutil.ignore_patterns("gen"))
    (folder / "css" / "components.css").write_text(".only-in-elsewhere { color: red; }\n")
    client = make_app(STATIC_FOLDER=str(folder), STATIC_URL_PATH="/differentstatic").test_client()
    assert_every_link_resolves(client, "/differentstatic")
    stylesheet = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    with client.get(stylesheet) as response:
        assert ".only-in-elsewhere" in response.get_data(as_text=True)
    assert (folder / "gen" / "site.css").is_file()
    with client.get("/differentstatic/images/logo.png") as response:
        assert response.data == (folder / "images" / "logo.png").read_bytes()


def test_production_links_the_prebuilt_bundles_and_they_resolve(make_app):
    client = make_app("production", SECRET_KEY="a-real-secret").test_client()
    seen = assert_every_link_resolves(client, "/static")
    assert seen == {"/static/gen/site.css", "/static/gen/site.js", "/static/images/logo.png"}
