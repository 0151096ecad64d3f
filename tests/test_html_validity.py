"""The Nu Html Checker finds no error in any styleguide state or any exported page, in each way of
exporting, with timestamps of live data (not only the fixtures' whole seconds)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from messageboard.export.exporter import ExportOptions, export_site
from tests.helpers import styleguide_fixtures
from tests.html_validity import vnu_errors, write_page

STATES = [state["name"] for state in styleguide_fixtures()["states"]]
# An export for each way of viewing one: at the domain's root, under a sub-path, opened from disk.
EXPORT_MODES = {"root": {}, "sub-path": {"base_path": "/previews/pr-42/"}, "from-disk": {"relative": True}}


def test_every_styleguide_state_and_page_is_valid_html(guide_app, tmp_path):
    client = guide_app.test_client()
    write_page(tmp_path, "index", client.get("/_styleguide/").get_data(as_text=True))
    write_page(tmp_path, "tokens", client.get("/_styleguide/tokens").get_data(as_text=True))
    viewports = client.get(f"/_styleguide/{STATES[0]}/viewports?width=768&scheme=dark").get_data(as_text=True)
    write_page(tmp_path, "viewports", viewports)
    for name in STATES:
        response = client.get(f"/_styleguide/{name}")
        assert response.status_code == 200, name
        write_page(tmp_path, name, response.get_data(as_text=True))
    errors = vnu_errors(tmp_path)
    assert not errors, "\n".join(errors)


def test_every_exported_page_is_valid_html_in_each_way_of_exporting(site_app, tmp_path):
    for mode, options in EXPORT_MODES.items():
        export_site(site_app, ExportOptions(out=tmp_path / mode, **options))
    pages = sorted(tmp_path.rglob("*.html"))
    assert len(pages) == 3 * len(list((tmp_path / "root").rglob("*.html"))) > 3 * 15
    home = BeautifulSoup((tmp_path / "root" / "index.html").read_text(encoding="utf-8"), "html.parser")
    times = home.select("time[datetime]")
    assert times, "the export's list shows times, of live data"
    errors = vnu_errors(tmp_path)
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("path", ["/", "/messages/beta", "/messages/beta/history"])
def test_live_pages_with_their_real_times_are_valid_html(site_app, tmp_path, path):
    html = site_app.test_client().get(path).get_data(as_text=True)
    write_page(tmp_path, "page", html)
    errors = vnu_errors(tmp_path)
    assert not errors, "\n".join(errors)
