"""The static export: the exact files, links that resolve in every mode, read-only pages, safe re-exports."""

import re
import threading
import urllib.error
import urllib.request
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from messageboard import store
from messageboard.export.exporter import ExportError, ExportOptions, export_site
from messageboard.export.folders import MARKER
from messageboard.export.preview import ExportHandler
from messageboard.extensions import db
from tests.helpers import styleguide_fixtures
from tests.live_server import free_port

pytestmark = pytest.mark.both_databases

CSS_URL = re.compile(r"url\(([^)]+)\)")
# Each way of viewing an export: options, the base path links start with (None: relative), relative.
LINK_MODES = [
    ({}, "/", False),
    ({"base_path": "/previews/pr-42/"}, "/previews/pr-42/", False),
    ({"relative": True}, None, True),
]
KEYS = ("alpha", "beta", "default", "gamma", "zeta.1")  # site_app's messages
STYLEGUIDE_STATES = [state["name"] for state in styleguide_fixtures()["states"]]


def export(app, out, **options):
    """Export ``app`` into ``out`` and return the report."""
    return export_site(app, ExportOptions(out=out, **options))


def files_in(folder: Path) -> set[str]:
    """Every file below ``folder``, as relative paths."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def assert_links_resolve(out: Path, base_path: str = "/", relative: bool = False) -> int:
    """Follow every href, src, form action and css url() in the export as a browser would; return how many."""
    checked = 0
    for page in sorted(out.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        urls = [
            element.get(attribute)
            for element in soup.find_all(True)
            for attribute in ("href", "src", "action")
            if element.get(attribute)
        ]
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme or not parts.path:
                continue
            if relative:
                assert not parts.path.startswith("/"), f"{page}: {url}"
                target = (page.parent / parts.path).resolve()
            else:
                assert parts.path.startswith(base_path), f"{page}: {url}"
                target = out / parts.path[len(base_path) :]
                target = target / "index.html" if parts.path.endswith("/") else target
            assert target.is_file(), f"{page.relative_to(out)} links {url}: no {target}"
            checked += 1
    for stylesheet in out.rglob("*.css"):
        for url in CSS_URL.findall(stylesheet.read_text()):
            assert (stylesheet.parent / url.strip("'\"")).resolve().is_file(), f"{stylesheet}: {url}"
            checked += 1
    return checked


def test_export_writes_exactly_the_public_pages_and_the_files_they_use(site_app, tmp_path):
    report = export(site_app, tmp_path / "site")
    hashed = site_app.extensions["messageboard.assets"].published.files
    assert files_in(tmp_path / "site") == {
        "index.html",
        "page/2.html",
        "page/3.html",
        "404.html",
        "search-index.js",
        "messages/alpha.html",
        "messages/beta.html",
        "messages/default.html",
        "messages/gamma.html",
        "messages/zeta.1.html",
        *(f"{folder}/{key}.html" for key in KEYS for folder in ("history", "revisions/1")),
        f"static/{hashed['gen/site.css']}",
        f"static/{hashed['gen/site.js']}",
        f"static/{hashed['images/logo.svg']}",
        MARKER,  # the list of the files above: what the next export may replace
    }
    assert (report.pages, report.written, report.removed) == (20, 23, 0)


@pytest.mark.parametrize(("options", "base_path", "relative"), LINK_MODES)
def test_every_link_resolves_in_each_way_of_viewing(site_app, tmp_path, options, base_path, relative):
    export(site_app, tmp_path / "site", **options)
    assert assert_links_resolve(tmp_path / "site", base_path or "/", relative) > 50


def test_links_follow_a_custom_static_url_path(make_app, tmp_path):
    app = make_app(STATIC_URL_PATH="/differentstatic")
    export(app, tmp_path / "site", relative=True)
    assert {name.split("/")[0] for name in files_in(tmp_path / "site")} >= {"differentstatic"}
    assert_links_resolve(tmp_path / "site", relative=True)


def test_exported_pages_are_read_only_previews_with_no_forms_or_tokens(site_app, tmp_path):
    export(site_app, tmp_path / "site")
    for page in (tmp_path / "site").rglob("*.html"):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        assert soup.find("form") is None, page
        assert soup.select('input[name="csrf_token"]') == [], page
        hrefs = [link["href"] for link in soup.select("a[href]")]
        assert not [href for href in hrefs if href.endswith(("/edit", "/delete", "/new"))], page
        assert soup.select_one(".preview-notice").get_text().startswith("Static preview"), page
    everything = b"".join(path.read_bytes() for path in (tmp_path / "site").rglob("*") if path.is_file())
    assert b"csrf" not in everything.lower()
    assert site_app.config["SECRET_KEY"].encode() not in everything


def test_message_pages_keep_their_text_escaped_and_link_back(site_app, tmp_path):
    export(site_app, tmp_path / "site")
    soup = BeautifulSoup((tmp_path / "site" / "messages" / "alpha.html").read_text(), "html.parser")
    assert soup.select_one(".message-text").get_text() == "First <b>message</b>"
    assert [link["href"] for link in soup.select(".actions a")] == ["/history/alpha.html", "/"]


def test_each_message_exports_its_history_and_revisions_read_only(site_app, tmp_path):
    with site_app.app_context():
        message = store.get_message("gamma")
        for number in range(2, 53):  # 52 revisions: two history pages
            message = store.update_message("gamma", f"Third, edit {number}", based_on=message.revision, by="ada")
    out = tmp_path / "site"
    export(site_app, out, relative=True)
    shown = BeautifulSoup((out / "messages" / "gamma.html").read_text(), "html.parser")
    assert [link["href"] for link in shown.select(".actions a") if link.get_text() == "History"] == [
        "../history/gamma.html"
    ]
    first = BeautifulSoup((out / "history" / "gamma.html").read_text(), "html.parser")
    rows = first.select(".revision-row")
    assert [row.select_one(".revision-number")["href"] for row in rows[:2]] == [
        "../revisions/52/gamma.html",
        "../revisions/51/gamma.html",
    ]
    assert len(rows) == 50 and not first.select('a[href*="diff"]')  # an export holds no diffs
    assert first.select_one('.pagination a[rel="next"]')["href"] == "page-2/gamma.html"
    second = BeautifulSoup((out / "history" / "page-2" / "gamma.html").read_text(), "html.parser")
    assert [row.select_one(".revision-action").get_text() for row in second.select(".revision-row")] == ["edit", "add"]
    oldest = BeautifulSoup((out / "revisions" / "1" / "gamma.html").read_text(), "html.parser")
    assert oldest.select_one(".message-text").get_text() == "Third"
    assert oldest.find("form") is None and not oldest.select('a[href*="diff"]')
    assert assert_links_resolve(out, relative=True) > 200


def test_the_search_index_holds_every_message_for_the_in_browser_search(site_app, tmp_path):
    export(site_app, tmp_path / "site")
    index = (tmp_path / "site" / "search-index.js").read_text()
    assert index.startswith("window.messageboardSearchIndex = [")
    assert '{"key":"beta","text":"Second\\nline"}' in index
    front = BeautifulSoup((tmp_path / "site" / "index.html").read_text(), "html.parser")
    assert front.select_one("[data-static-search]")["data-href-template"] == "/messages/__KEY__.html"


def test_the_live_site_has_no_search_index(client):
    assert client.get("/search-index.js").status_code == 404


def test_a_re_export_writes_only_what_changed_and_removes_deleted_pages(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    unchanged = export(site_app, out)
    assert (unchanged.written, unchanged.removed) == (0, 0)
    with site_app.app_context():
        store.update_message("gamma", "Third, edited", based_on=store.get_message("gamma").revision)
        store.delete_message("zeta.1")
    report = export(site_app, out)
    # Written: gamma's page, history and two revisions, the two list pages (rows and count
    # changed), the search index. Removed: zeta.1's page, history and revision, and page 3, as
    # four messages fill two pages.
    assert (report.written, report.removed) == (7, 4)
    assert not (out / "messages" / "zeta.1.html").exists() and not (out / "page" / "3.html").exists()
    assert "Third, edited" in (out / "messages" / "gamma.html").read_text()
    assert_links_resolve(out)


def test_a_failing_export_leaves_the_previous_one_as_it_was(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    with site_app.app_context():
        store.add_message("new-one", "Not exported")
    logo = next((tmp_path / "build" / "public" / "images").glob("logo.*.svg"))
    logo.unlink()  # the pages now name a built file that is gone
    with pytest.raises(ExportError, match=r"static/images/logo\.[0-9a-f]{12}\.svg is not among the built static files"):
        export(site_app, out)
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before
    assert not list(tmp_path.glob(".site.staging-*"))


def test_an_export_where_pages_rebuild_builds_first_and_fails_on_a_build_error(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    css = next((out / "static" / "gen").glob("site.*.css")).read_text()
    partial = tmp_path / "static" / "scss" / "_components.scss"
    partial.write_text(partial.read_text() + ".exported-change { color: red; }\n")
    export(site_app, out)
    [rebuilt] = (out / "static" / "gen").glob("site.*.css")
    assert ".exported-change{color:red}" in rebuilt.read_text() and css != rebuilt.read_text()
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    partial.write_text(".broken { color: red;\n")
    with pytest.raises(ExportError, match=r"cannot be built(.|\n)*scss/_components\.scss 1:22"):
        export(site_app, out)
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before


def test_the_export_never_writes_to_the_database(site_app, tmp_path):
    with site_app.app_context():
        before = store.revision_tokens()
        counter = db.change_counter(site_app)  # moves with any write, from any connection
        version = counter()
    export(site_app, tmp_path / "site")
    assert counter() == version
    with site_app.app_context():
        assert store.revision_tokens() == before


def test_the_export_refuses_to_replace_a_folder_that_is_not_an_export(site_app, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(ExportError, match="is not replaced: it holds no .messageboard-export"):
        export(site_app, precious)
    assert (precious / "thesis.txt").read_text() == "years of work"


def test_flask_export_ends_with_one_summary_line(site_app, tmp_path):
    result = site_app.test_cli_runner().invoke(
        args=["export", "--out", str(tmp_path / "site"), "--base-url", "https://example.org/previews/pr-42"]
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"Exported 20 pages: 23 files written, 0 unchanged, 0 removed, [\d,]+ bytes, in [\d.]+ s\n", result.output
    )
    assert_links_resolve(tmp_path / "site", "/previews/pr-42/")


def test_flask_export_rejects_base_url_with_relative(site_app, tmp_path):
    result = site_app.test_cli_runner().invoke(args=["export", "--relative", "--base-url", "/x/"])
    assert result.exit_code == 2
    assert "choose one" in result.output


def test_the_preview_server_serves_the_export_and_its_404_page(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out, base_path="/pr/")
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(ExportHandler, directory=str(out), base_path="/pr/"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/pr/messages/alpha.html") as response:
            assert b"First &lt;b&gt;message&lt;/b&gt;" in response.read()
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/pr/nothing.html")
        assert missing.value.code == 404
        assert b"Not Found" in missing.value.read()
        missing.value.close()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("options", "base_path", "relative"), LINK_MODES)
def test_the_styleguide_exports_when_asked_with_every_link_resolving(guide_app, tmp_path, options, base_path, relative):
    out = tmp_path / "site"
    report = export(guide_app, out, styleguide=True, **options)
    styleguide_files = {name for name in files_in(out) if name.startswith("_styleguide/")}
    assert styleguide_files == {"_styleguide/index.html", *(f"_styleguide/{name}.html" for name in STYLEGUIDE_STATES)}
    # The list, default with its history and revision, the search index, 404.
    assert report.pages == 6 + len(styleguide_files)
    assert assert_links_resolve(out, base_path or "/", relative) > 500
    everything = b"".join(path.read_bytes() for path in out.rglob("*") if path.is_file())
    assert b'name="csrf_token"' not in everything and guide_app.config["SECRET_KEY"].encode() not in everything


def test_exported_styleguide_pages_link_what_no_export_holds_to_the_404_page(guide_app, tmp_path):
    out = tmp_path / "site"
    export(guide_app, out, styleguide=True, base_path="/pr/")
    page = BeautifulSoup((out / "_styleguide" / "edit-conflict.html").read_text(), "html.parser")
    assert page.select_one("h1 a")["href"] == "/pr/404.html"  # a sample message
    assert page.select_one("form.message-form")["action"] == "/pr/404.html"
    assert page.select_one(".styleguide-notice a")["href"] == "/pr/_styleguide/index.html"
    assert page.select_one('nav[aria-label="Site"] a')["href"] == "/pr/"
    assert page.select_one(".conflict-current .message-text").get_text().startswith("Hello to the World of Flask!")
    index = BeautifulSoup((out / "_styleguide" / "index.html").read_text(), "html.parser")
    assert index.select_one('a[href="/pr/_styleguide/list-many-pages.html"]').get_text() == "Page 3 of 50"
    # Exported pages look as they do live: not the export's read-only variant, unless a state asks for it.
    assert index.select_one(".preview-notice") is None
    static = BeautifulSoup((out / "_styleguide" / "list-static-export.html").read_text(), "html.parser")
    assert static.select_one("[data-static-search]") is not None


def test_a_re_export_with_the_styleguide_writes_nothing_new(guide_app, tmp_path):
    export(guide_app, tmp_path / "site", styleguide=True)
    again = export(guide_app, tmp_path / "site", styleguide=True)
    assert (again.written, again.removed) == (0, 0)
    without = export(guide_app, tmp_path / "site")
    assert without.removed == 1 + len(STYLEGUIDE_STATES) and not (tmp_path / "site" / "_styleguide").exists()


def test_flask_export_styleguide_mounts_it_where_the_setting_is_off(site_app, tmp_path):
    assert not site_app.config["STYLEGUIDE"]
    with pytest.raises(ExportError, match="The styleguide is not mounted on this app"):
        export(site_app, tmp_path / "site", styleguide=True)
    result = site_app.test_cli_runner().invoke(
        args=["export", "--styleguide", "--relative", "--out", str(tmp_path / "site")]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Exported {20 + 1 + len(STYLEGUIDE_STATES)} pages: ")
    assert (tmp_path / "site" / "_styleguide" / "list-empty.html").is_file()
    assert_links_resolve(tmp_path / "site", relative=True)


def test_exported_pages_carry_open_graph_tags_and_noindex_unless_indexed(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    page = BeautifulSoup((out / "messages" / "beta.html").read_text(encoding="utf-8"), "html.parser")
    meta = {tag.get("property") or tag.get("name"): tag["content"] for tag in page.select("head meta[content]")}
    assert meta["robots"] == "noindex"
    assert (meta["og:title"], page.title.get_text()) == ("beta", "beta · Messageboard")  # og:site_name names the site
    assert meta["og:description"] == meta["description"] == "Second\nline"
    assert meta["og:type"] == "website" and meta["og:site_name"] == "Messageboard"

    export(site_app, out, indexed=True)  # carries no page over: each says it anew
    for path in out.rglob("*.html"):
        assert BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one('meta[name="robots"]') is None


def test_the_live_site_carries_neither_noindex_nor_open_graph(site_app):
    page = BeautifulSoup(site_app.test_client().get("/messages/beta").get_data(as_text=True), "html.parser")
    assert page.select('meta[name="robots"], meta[property^="og:"]') == []


def test_flask_export_index_lets_search_engines_in(site_app, tmp_path):
    result = site_app.test_cli_runner().invoke(args=["export", "--out", str(tmp_path / "site"), "--index"])
    assert result.exit_code == 0, result.output
    home = BeautifulSoup((tmp_path / "site" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert home.select_one('meta[name="robots"]') is None and home.select_one('meta[property="og:title"]')
