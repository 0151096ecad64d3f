"""The asset pipeline: hashed names, rewritten CSS urls, headers, compression, builds and their errors."""

import gzip
import os
import posixpath
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import brotli
import pytest

from messageboard.assets import AssetBuildError, tools
from messageboard.assets.manifest import Manifest
from messageboard.assets.source_maps import split_map
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.startup import check_can_serve
from tests.helpers import LOCAL_HOSTS, assert_no_inline_code, parse, public_site_environment

PAGES = [
    "/",
    "/messages/default",
    "/messages/new",
    "/messages/default/edit",
    "/messages/default/delete",
    "/messages/missing",
]
CONTENT_TYPES = {"css": "text/css", "js": "text/javascript", "png": "image/png", "svg": "image/svg+xml"}
CSS_URL = re.compile(r"url\(([^)]+)\)")
ONE_YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def site(tmp_path):
    """A copy of the static sources and a build folder of its own, as settings for create_app."""
    shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")
    return {
        "STATIC_FOLDER": str(tmp_path / "static"),
        "ASSETS_BUILD_FOLDER": str(tmp_path / "build"),
        "ASSETS_AUTO_BUILD": True,
    }


def built_app(make_app, site):
    """An app on ``site``, its assets built as its first page request would build them."""
    app = make_app(**site)
    app.extensions["messageboard.assets"].build()
    return app


def manifest_of(site) -> Manifest:
    """The manifest the last build of ``site`` wrote."""
    return Manifest.load(Path(site["ASSETS_BUILD_FOLDER"]) / "manifest.json")


def linked_urls(page) -> list[str]:
    """Every stylesheet, script and image URL a parsed page loads."""
    return [link["href"] for link in page.select("link[href]")] + [
        element["src"] for element in page.select("script[src], img[src]")
    ]


def fetch(client, url: str, **headers):
    """GET a URL, read the whole response and close it."""
    with client.get(url, headers=headers) as response:
        response.get_data()
        return response


def assert_everything_linked_resolves(client, prefix: str) -> set[str]:
    """Fetch every page, every file it links and every url() in its CSS; each must be a 200."""
    seen = set()
    for page_url in PAGES:
        for url in linked_urls(parse(client.get(page_url))):
            assert url.startswith(prefix + "/"), url
            response = fetch(client, url)
            assert response.status_code == 200, url
            assert response.mimetype == CONTENT_TYPES[url.rsplit(".", 1)[-1]], url
            seen.add(url)
            if url.endswith(".css"):
                folder = url.rsplit("/", 1)[0]
                for reference in CSS_URL.findall(response.get_data(as_text=True)):
                    target = os.path.normpath(posixpath.join(folder, reference.strip("'\"")))
                    assert fetch(client, target).status_code == 200, target
                    seen.add(target)
    return seen


def test_every_page_links_hashed_files_that_resolve_with_the_right_type(client):
    seen = assert_everything_linked_resolves(client, "/static")
    names = {re.sub(r"\.[0-9a-f]{12}\.", ".", url) for url in seen}
    assert names == {"/static/gen/site.css", "/static/gen/site.js", "/static/images/logo.svg"}
    assert all(re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url) for url in seen)


def test_url_for_static_and_the_assets_tag_give_the_hashed_names(make_app, site):
    page = parse(make_app(**site).test_client().get("/"))
    manifest = manifest_of(site)
    assert page.select_one('link[rel="stylesheet"]')["href"] == f"/static/{manifest.files['gen/site.css']}"
    assert page.select_one("script")["src"] == f"/static/{manifest.files['gen/site.js']}"
    assert page.select_one('link[rel="icon"]')["href"] == f"/static/{manifest.files['images/logo.svg']}"


def name_the_logo_in_the_stylesheet(site) -> None:
    """Give the copied stylesheet a url() naming the logo (the built-in one draws it inline)."""
    components = Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    components.write_text(components.read_text() + '\n.uses-logo { background: url("../images/logo.svg"); }\n')


def test_a_hashed_name_changes_when_and_only_when_its_content_does(make_app, site):
    name_the_logo_in_the_stylesheet(site)
    app = built_app(make_app, site)
    first = manifest_of(site).files
    app.extensions["messageboard.assets"].build(force=True)
    assert manifest_of(site).files == first

    js = Path(site["STATIC_FOLDER"]) / "js" / "char-count.js"
    js.write_text(js.read_text() + "\nwindow.changed = 1;\n")
    app.extensions["messageboard.assets"].build()
    second = manifest_of(site).files
    assert second["gen/site.js"] != first["gen/site.js"]
    assert {k: v for k, v in second.items() if k != "gen/site.js"} == {
        k: v for k, v in first.items() if k != "gen/site.js"
    }

    logo = Path(site["STATIC_FOLDER"]) / "images" / "logo.svg"
    logo.write_bytes(logo.read_bytes() + b"\n")
    app.extensions["messageboard.assets"].build()
    third = manifest_of(site).files
    # The stylesheet names the logo in a url(), so its content, and name, change with the logo's.
    assert third["images/logo.svg"] != second["images/logo.svg"]
    assert third["gen/site.css"] != second["gen/site.css"]
    assert third["gen/site.js"] == second["gen/site.js"]


def test_css_urls_point_at_hashed_files_relative_to_the_stylesheet(make_app, site):
    name_the_logo_in_the_stylesheet(site)
    built_app(make_app, site)
    manifest = manifest_of(site)
    css = (Path(site["ASSETS_BUILD_FOLDER"]) / "public" / manifest.files["gen/site.css"]).read_text()
    assert CSS_URL.findall(css) == [f"../{manifest.files['images/logo.svg']}"]


def test_css_is_prefixed_for_the_browserslist_and_minified(make_app, site):
    built_app(make_app, site)
    css = (Path(site["ASSETS_BUILD_FOLDER"]) / "public" / manifest_of(site).files["gen/site.css"]).read_text()
    assert "-webkit-text-size-adjust:100%" in css
    assert "\n" not in css.strip() and "  " not in css


def test_hashed_files_are_cached_for_a_year_and_others_briefly(client):
    css = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    assert fetch(client, css).headers["Cache-Control"] == ONE_YEAR
    assert fetch(client, "/static/gen/site.css").headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize(("encoding", "decompress"), [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_text_files_are_served_precompressed(client, encoding, decompress):
    css = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    plain = fetch(client, css)
    compressed = fetch(client, css, **{"Accept-Encoding": encoding})
    assert compressed.headers["Content-Encoding"] == encoding
    assert compressed.headers["Vary"] == "Accept-Encoding"
    assert decompress(compressed.data) == plain.data
    assert len(compressed.data) < len(plain.data) / 2


@pytest.mark.parametrize(
    "url",
    [
        "/static/manifest.json",
        "/static/../manifest.json",
        "/static/.lock",
        "/static/scss/site.scss",
        "/static/scss/_base.scss",
        "/static/js/char-count.js",
        "/static/.hidden",
    ],
)
def test_sources_manifests_and_dotfiles_are_never_served(make_app, site, url):
    (Path(site["STATIC_FOLDER"]) / ".hidden").write_text("secret")
    client = make_app(**site).test_client()
    assert fetch(client, url).status_code == 404


def test_static_folder_outside_the_project_and_another_url_path(make_app, site):
    client = make_app(STATIC_URL_PATH="/differentstatic", **site).test_client()
    seen = assert_everything_linked_resolves(client, "/differentstatic")
    assert len(seen) == 3
    assert fetch(client, "/static/images/logo.svg").status_code == 404


def test_development_rebuilds_a_changed_stylesheet_before_the_next_page(make_app, site):
    client = make_app(**site).test_client()
    old = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    (Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss").write_text(".just-added { color: red; }\n")
    new = parse(client.get("/")).select_one('link[rel="stylesheet"]')["href"]
    assert new != old
    assert ".just-added{color:red}" in fetch(client, new).get_data(as_text=True)


def test_development_shows_a_sass_error_with_file_and_line_then_recovers(make_app, site):
    client = make_app(**site).test_client()
    partial = Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    good = partial.read_text()
    partial.write_text(".broken { color: red;\n")
    response = client.get("/")
    assert response.status_code == 500
    problem = parse(response).select_one(".build-problem").get_text()
    assert problem.startswith("Error: expected end of rule.")
    assert "scss/_components.scss 1:22" in problem
    partial.write_text(good)
    assert client.get("/").status_code == 200


def test_a_url_naming_a_missing_file_fails_the_build_naming_source_and_line(make_app, site):
    partial = Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    partial.write_text(partial.read_text() + "\n.icon {\n  background: url(../images/missing.svg);\n}\n")
    line = partial.read_text().splitlines().index("  background: url(../images/missing.svg);") + 1
    response = make_app(**site).test_client().get("/")
    problem = parse(response).select_one(".build-problem").get_text()
    assert problem.startswith(
        f"scss/_components.scss:{line}: url(../images/missing.svg) names "
        "images/missing.svg, which is not in the static folder"
    )


def run_build(site, config="production", **environment) -> subprocess.CompletedProcess:
    """Run `flask assets build` as a deploy would, for ``site``'s folders."""
    env = {
        **public_site_environment(),
        "MESSAGEBOARD_CONFIG": config,
        "MESSAGEBOARD_SECRET_KEY": "build-secret",
        "MESSAGEBOARD_STATIC_FOLDER": site["STATIC_FOLDER"],
        "MESSAGEBOARD_ASSETS_BUILD_FOLDER": site["ASSETS_BUILD_FOLDER"],
        "MESSAGEBOARD_INSTANCE_PATH": str(Path(site["ASSETS_BUILD_FOLDER"]).parent / "instance"),
        **environment,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "assets", "build"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_flask_assets_build_builds_everything_once_for_production(site):
    result = run_build(site)
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"^Assets built: 4 files, 8 written, 0 unchanged, 0 removed, in [\d.]+ s$", result.stdout, re.MULTILINE
    )
    public = Path(site["ASSETS_BUILD_FOLDER"]) / "public"
    published = sorted(path.relative_to(public).as_posix() for path in public.rglob("*") if path.is_file())
    hashed = manifest_of(site).files
    assert published == sorted(
        [
            *hashed,
            *hashed.values(),
            *(
                f"{name}{suffix}"
                for name in [*hashed, *hashed.values()]
                if not name.endswith(".png")
                for suffix in (".br", ".gz")
            ),
        ]
    )


def test_flask_assets_build_fails_on_a_sass_error_with_file_and_line(site):
    (Path(site["STATIC_FOLDER"]) / "scss" / "_base.scss").write_text("$x: ;\n")
    result = run_build(site)
    assert result.returncode == 1
    assert "Error: Expected expression." in result.stderr
    assert "scss/_base.scss 1:5" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_builds_at_once_take_turns_and_leave_a_whole_build(site):
    results = []
    threads = [threading.Thread(target=lambda: results.append(run_build(site))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [result.returncode for result in results] == [0, 0], [result.stderr for result in results]
    public = Path(site["ASSETS_BUILD_FOLDER"]) / "public"
    assert all((public / name).is_file() for name in manifest_of(site).files.values())
    assert not list(public.rglob("*.tmp"))


def test_old_builds_are_pruned_keeping_the_one_before(make_app, site):
    app = built_app(make_app, site)
    assets = app.extensions["messageboard.assets"]
    js = Path(site["STATIC_FOLDER"]) / "js" / "char-count.js"
    names = [manifest_of(site).files["gen/site.js"]]
    for number in range(2):
        js.write_text(js.read_text() + f"\nwindow.change{number} = 1;\n")
        assets.build()
        names.append(manifest_of(site).files["gen/site.js"])
    public = Path(site["ASSETS_BUILD_FOLDER"]) / "public"
    assert [(public / name).exists() for name in names] == [False, True, True]
    assert not (public / f"{names[0]}.br").exists()


def test_a_missing_node_tool_is_one_line_naming_the_command(make_app, site, tmp_path, monkeypatch):
    monkeypatch.setattr(tools, "NODE_MODULES", tmp_path / "no-node-modules")
    with pytest.raises(AssetBuildError) as error:
        tools.dart_sass()
    assert str(error.value) == f"Dart Sass is not installed: run `npm ci` in {PROJECT_ROOT}"


def serving_check(site, monkeypatch):
    """Run the checks a server makes, with production settings for ``site``."""
    monkeypatch.setenv("MESSAGEBOARD_CONFIG", "production")
    monkeypatch.setenv("MESSAGEBOARD_SECRET_KEY", "serving-secret")
    monkeypatch.setenv("MESSAGEBOARD_TRUSTED_HOSTS", LOCAL_HOSTS)
    for key in ("STATIC_FOLDER", "ASSETS_BUILD_FOLDER"):
        monkeypatch.setenv(f"MESSAGEBOARD_{key}", site[key])
    check_can_serve()


def test_production_refuses_to_start_without_a_build(make_app, site, monkeypatch):
    with pytest.raises(ConfigError) as error:
        serving_check(site, monkeypatch)
    assert str(error.value).startswith("The static files are not built (")
    assert str(error.value).endswith("is missing): run `flask --app messageboard assets build`")


def test_production_refuses_to_start_on_a_build_older_than_the_sources(make_app, site, monkeypatch):
    assert run_build(site).returncode == 0
    serving_check(site, monkeypatch)
    (Path(site["STATIC_FOLDER"]) / "js" / "local-times.js").write_text("window.changed = 1;\n")
    with pytest.raises(ConfigError, match=r"older than their sources: run `flask --app messageboard assets build`"):
        serving_check(site, monkeypatch)


def test_production_never_builds_while_serving(make_app, site):
    assert run_build(site).returncode == 0
    app = make_app("production", SECRET_KEY="a-real-secret", **{**site, "ASSETS_AUTO_BUILD": False})
    before = manifest_of(site)
    (Path(site["STATIC_FOLDER"]) / "scss" / "_base.scss").write_text(".changed { color: red; }\n")
    client = app.test_client()
    assert_everything_linked_resolves(client, "/static")
    assert manifest_of(site) == before


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_or_style_and_no_outside_urls(client, url):
    page = parse(client.get(url))
    assert_no_inline_code(page)
    for linked in linked_urls(page) + [a["href"] for a in page.select("a[href]")]:
        assert linked.startswith(("/", "#")), linked


def test_templates_never_hard_code_the_static_path():
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        assert "/static" not in template.read_text(), template


def test_development_picks_up_a_changed_bundles_file(make_app, site, tmp_path):
    bundles = tmp_path / "assets.yml"
    bundles.write_text((PROJECT_ROOT / "assets.yml").read_text())
    client = make_app(ASSETS_BUNDLES_FILE=str(bundles), **site).test_client()
    (Path(site["STATIC_FOLDER"]) / "js" / "extra.js").write_text("window.extraLoaded = true;\n")
    bundles.write_text(
        bundles.read_text().replace("    - js/char-count.js\n", "    - js/char-count.js\n    - js/extra.js\n")
    )
    script = parse(client.get("/")).select_one("script")["src"]
    assert "window.extraLoaded=true" in fetch(client, script).get_data(as_text=True)


# --- source maps (ASSETS_SOURCE_MAPS, on in Development) and the sizes `flask assets build` prints ------

BASE64_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
PRINTED_SIZES = re.compile(r"^(?P<name>\S.*?)\s+(?P<raw>[\d.]+) kB\s+(?P<gzip>[\d.]+) kB gzip\s+(?P<br>[\d.]+) kB br$")


def built_css(site) -> str:
    """The text of the stylesheet the last build of ``site`` published."""
    return (Path(site["ASSETS_BUILD_FOLDER"]) / "public" / manifest_of(site).files["gen/site.css"]).read_text()


def decoded_vlq(segment: str) -> list[int]:
    """The numbers of one segment of a source map's mappings (base64 VLQ)."""
    numbers, value, shift = [], 0, 0
    for digit in map(BASE64_DIGITS.index, segment):
        value += (digit & 31) << shift
        shift += 5
        if not digit & 32:
            numbers.append(-(value >> 1) if value & 1 else value >> 1)
            value = shift = 0
    return numbers


def original_lines(source_map: dict) -> dict[int, tuple[str, int]]:
    """For each line of the built CSS (from 1) that a mapping starts on: the first (source, line) it maps to."""
    found, source, line = {}, 0, 0
    for generated, segments in enumerate(source_map["mappings"].split(";"), start=1):
        for fields in map(decoded_vlq, filter(None, segments.split(","))):
            if len(fields) >= 4:
                source, line = source + fields[1], line + fields[2]
                found.setdefault(generated, (source_map["sources"][source], line + 1))
    return found


def test_development_css_is_unminified_with_a_source_map_naming_the_scss_files(site):
    partial = Path(site["STATIC_FOLDER"]) / "scss" / "_components.scss"
    partial.write_text(partial.read_text() + "\n.mapped-rule {\n  color: red;\n}\n")
    rule_line = partial.read_text().splitlines().index(".mapped-rule {") + 1

    result = run_build(site, config="development")

    assert result.returncode == 0, result.stderr
    css, source_map = split_map(built_css(site))
    assert ".mapped-rule {\n  color: red;\n}" in css
    assert "-webkit-text-size-adjust: 100%" in css  # prefixed for the browserslist as in production
    sources = dict(zip(source_map["sources"], source_map["sourcesContent"], strict=True))
    # Relative to the stylesheet (gen/), where browsers resolve them; the text travels in the map.
    assert sources["../scss/_components.scss"] == partial.read_text()
    generated = css.splitlines().index(".mapped-rule {") + 1
    assert original_lines(source_map)[generated] == ("../scss/_components.scss", rule_line)


def test_production_css_is_minified_with_no_source_map(site):
    assert run_build(site).returncode == 0
    css = built_css(site)
    assert "sourceMappingURL" not in css
    assert "\n" not in css.strip() and "  " not in css


def test_production_refuses_to_serve_a_build_made_with_source_maps(site, monkeypatch):
    assert run_build(site, config="development").returncode == 0
    with pytest.raises(ConfigError, match=r"^The static files were built with source maps, for development"):
        serving_check(site, monkeypatch)


def test_a_build_wanting_source_maps_rebuilds_one_made_without(make_app, site):
    assert run_build(site).returncode == 0
    assert split_map(built_css(site))[1] is None
    built_app(make_app, {**site, "ASSETS_SOURCE_MAPS": True})
    assert split_map(built_css(site))[1] is not None


def test_flask_assets_build_prints_each_bundle_with_its_sizes_on_disk(site):
    result = run_build(site)
    assert result.returncode == 0, result.stderr
    printed = {match["name"]: match for match in map(PRINTED_SIZES.match, result.stdout.splitlines()) if match}
    public = Path(site["ASSETS_BUILD_FOLDER"]) / "public"
    manifest = manifest_of(site)
    bundles = sorted(manifest.files[output] for output in manifest.bundles.values())
    others = set(manifest.files.values()) - set(bundles)
    assert list(printed) == [*bundles, f"{len(others)} other file{'s' if len(others) != 1 else ''}"]
    for name in bundles:
        sizes = {"raw": public / name, "gzip": public / f"{name}.gz", "br": public / f"{name}.br"}
        for column, path in sizes.items():
            assert printed[name][column] == f"{os.path.getsize(path) / 1000:.1f}", (name, column)
    other_total = sum(os.path.getsize(public / name) for name in others)
    assert printed[list(printed)[-1]]["raw"] == f"{other_total / 1000:.1f}"
