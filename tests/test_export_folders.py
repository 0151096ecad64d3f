"""The export deletes nothing it did not write: it replaces only a folder holding its own marker."""

from __future__ import annotations

import json

import pytest

from messageboard import store
from messageboard.export.folders import MARKER
from tests.test_export import export, files_in


def run_export(app, out):
    """`flask export --out OUT`, as a user runs it."""
    return app.test_cli_runner().invoke(args=["export", "--out", str(out)])


def snapshot(folder):
    """Every file below ``folder`` with its bytes."""
    return {name: (folder / name).read_bytes() for name in files_in(folder)}


def assert_refused(result, folder, reason: str) -> None:
    """The export stopped with exit status 1 and one line naming ``folder``, why, and --out."""
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"Error: {folder} is not replaced: {reason}"), lines[0]
    assert lines[0].endswith("choose one with --out (default site/)")


@pytest.fixture
def web_root(tmp_path):
    """A web server's root: an index.html beside files an export never wrote."""
    root = tmp_path / "www"
    (root / "uploads").mkdir(parents=True)
    (root / "index.html").write_text("<h1>My site</h1>")
    (root / "uploads" / "precious.txt").write_text("years of work")
    (root / ".htpasswd").write_text("ada:$apr1$secret")
    return root


def test_a_web_root_is_refused_and_every_file_in_it_stays(site_app, web_root):
    before = snapshot(web_root)
    result = run_export(site_app, web_root)
    assert_refused(result, web_root, f"it holds no {MARKER}")
    assert snapshot(web_root) == before


def test_a_folder_holding_only_an_index_html_is_refused(site_app, tmp_path):
    folder = tmp_path / "only-index"
    folder.mkdir()
    (folder / "index.html").write_text("<p>mine</p>")
    assert_refused(run_export(site_app, folder), folder, f"it holds no {MARKER}")
    assert snapshot(folder) == {"index.html": b"<p>mine</p>"}


def test_a_symlink_to_a_folder_that_is_not_an_export_is_refused(site_app, web_root, tmp_path):
    link = tmp_path / "site"
    link.symlink_to(web_root)
    before = snapshot(web_root)
    assert_refused(run_export(site_app, link), web_root, f"it holds no {MARKER}")
    assert link.is_symlink() and snapshot(web_root) == before


def test_an_export_lists_what_it_wrote_and_a_re_export_replaces_it(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    marker = json.loads((out / MARKER).read_text())
    assert set(marker["files"]) == files_in(out) - {MARKER}
    with site_app.app_context():
        store.delete_message("gamma")
    result = run_export(site_app, out)
    assert result.exit_code == 0, result.output
    assert "messages/gamma.html" not in files_in(out)
    assert set(json.loads((out / MARKER).read_text())["files"]) == files_in(out) - {MARKER}


def test_an_export_whose_marker_was_deleted_is_refused(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    (out / MARKER).unlink()
    before = snapshot(out)
    assert_refused(run_export(site_app, out), out, f"it holds no {MARKER}")
    assert snapshot(out) == before


def test_an_export_someone_added_files_to_is_refused_naming_them(site_app, tmp_path):
    out = tmp_path / "site"
    export(site_app, out)
    (out / "uploads").mkdir()
    (out / "uploads" / "precious.txt").write_text("added by hand")
    before = snapshot(out)
    assert_refused(
        run_export(site_app, out), out, "it holds a file the last export did not write (uploads/precious.txt)"
    )
    assert snapshot(out) == before


@pytest.mark.parametrize("made", ["missing", "empty"])
def test_a_missing_or_empty_folder_is_exported_into(site_app, tmp_path, made):
    out = tmp_path / "site"
    if made == "empty":
        out.mkdir()
    assert run_export(site_app, out).exit_code == 0
    assert (out / "index.html").is_file() and (out / MARKER).is_file()
