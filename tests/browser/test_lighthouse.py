"""Lighthouse (npm lighthouse@12.2.3, the last release that runs on Node 20, driving Debian's chromium;
mobile preset): Performance, Accessibility, Best Practices and SEO all 100 on the home page, a
message, the add form and an export's home page."""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from functools import partial
from http.server import ThreadingHTTPServer

import pytest

from messageboard import store
from messageboard.core import PROJECT_ROOT
from messageboard.export.exporter import ExportOptions, export_site
from messageboard.export.preview import ExportHandler
from tests.browser.conftest import chromium_path
from tests.helpers import production_site
from tests.live_server import Browser, LiveServer, free_port

pytestmark = pytest.mark.browser

LIGHTHOUSE = PROJECT_ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RUN_TIMEOUT_SECONDS = 120
# A run Lighthouse itself gives up on, asking to be run again (NO_NAVSTART: chromium's trace missed the
# navigation's start), is run again, up to this many times in all.
RUNS_MAX = 3
LIVE_PAGES = {"home": "/", "message": "/messages/greeting", "add form": "/messages/new"}


def lighthouse(url: str) -> dict:
    """Lighthouse's report of ``url`` (its default, mobile, settings)."""
    assert LIGHTHOUSE.exists(), f"{LIGHTHOUSE} is missing: run `npm ci` (make test does it)"
    for _ in range(RUNS_MAX):
        result = run_lighthouse(url)
        if result.returncode == 0 or "Please run Lighthouse again" not in result.stderr:
            break
    assert result.returncode == 0, f"lighthouse exited with {result.returncode}: {result.stderr[-2000:]}"
    return json.loads(result.stdout)


def run_lighthouse(url: str) -> subprocess.CompletedProcess:
    """One run of Lighthouse on ``url``, its report (JSON) on stdout."""
    return subprocess.run(
        [
            LIGHTHOUSE,
            url,
            "--quiet",
            "--output=json",
            "--output-path=stdout",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox",
        ],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        env={"CHROME_PATH": chromium_path(), "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()},
        check=False,
    )


def shortfalls(report: dict) -> dict[str, list[str]]:
    """Each category under 100, with the audits that cost it points."""
    weighted = {
        category: {ref["id"] for ref in report["categories"][category]["auditRefs"] if ref["weight"]}
        for category in CATEGORIES
    }
    return {
        category: [
            f"{audit_id} ({report['audits'][audit_id]['score']}): {report['audits'][audit_id].get('displayValue', '')}"
            for audit_id in sorted(weighted[category])
            if (report["audits"][audit_id]["score"] or 0) < 1
            and report["audits"][audit_id]["scoreDisplayMode"] in ("binary", "numeric")
        ]
        for category in CATEGORIES
        if report["categories"][category]["score"] < 1
    }


def assert_all_100(url: str) -> None:
    """All four categories at 100; on a busy machine Performance gets a second run (its timings vary
    with what else the cores are doing), the other three none."""
    report = lighthouse(url)
    missed = shortfalls(report)
    if set(missed) == {"performance"}:
        missed = shortfalls(lighthouse(url))
    assert not missed, f"Lighthouse on {url}: {json.dumps(missed, indent=2)}"


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """gunicorn with the production settings, anonymous editing on (the add form with no login), one message."""
    folder = tmp_path_factory.mktemp("lighthouse")
    # Plain http on 127.0.0.1: a Secure session cookie would not come back with the form adding the message.
    environment = production_site(
        folder, MESSAGEBOARD_ANONYMOUS_EDITING="true", MESSAGEBOARD_SESSION_COOKIE_SECURE="false"
    )
    with LiveServer(folder / "gunicorn.log", **environment) as server:
        added = Browser(server.url).send_form(
            "/messages/new", {"key": "greeting", "text": "Hello from the Lighthouse test.\nA second line."}
        )
        assert added.status == 200
        yield server


@pytest.mark.parametrize("page", LIVE_PAGES)
def test_lighthouse_scores_100_on_the_live_site(production_server, page):
    assert_all_100(production_server.url + LIVE_PAGES[page])


def test_lighthouse_scores_100_on_an_indexed_exports_home_page(make_app, tmp_path):
    app = make_app("testing")
    with app.app_context():
        store.add_message("greeting", "Hello from the Lighthouse test.")
    out = tmp_path / "site"
    # --index: a preview's noindex is SEO's one failing audit, on purpose (test_export.py pins it).
    export_site(app, ExportOptions(out=out, indexed=True))
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(ExportHandler, directory=str(out), base_path="/"))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert_all_100(f"http://127.0.0.1:{port}/")
    finally:
        server.shutdown()
        server.server_close()
