"""Flask-Assets' own commands as a user runs them (watch, clean), and the commands that must not build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from messageboard.assets.manifest import Manifest
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.startup import check_can_serve
from tests.helpers import public_site_environment

PRINTED_REBUILD = re.compile(
    r"^Building bundle: every static file, into .+ \.\.\. Assets built: 4 files, ", re.MULTILINE
)
# Long enough for a start and a build on a busy machine; a watch that works rebuilds well within it.
WAIT_SECONDS = 30


@pytest.fixture
def site(tmp_path) -> dict[str, Path]:
    """Copies of the static sources and assets.yml, a theme with an empty static/scss/, a build folder."""
    shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")
    shutil.copyfile(PROJECT_ROOT / "assets.yml", tmp_path / "assets.yml")
    (tmp_path / "theme" / "static" / "scss").mkdir(parents=True)
    return {
        "STATIC_FOLDER": tmp_path / "static",
        "ASSETS_BUNDLES_FILE": tmp_path / "assets.yml",
        "THEME_FOLDER": tmp_path / "theme",
        "ASSETS_BUILD_FOLDER": tmp_path / "build",
        "INSTANCE_PATH": tmp_path / "instance",
    }


def command_environment(site, config: str, **settings) -> dict[str, str]:
    """The environment of a `flask` command for ``site``'s folders, with ``settings`` on top."""
    values = {**site, **settings}
    return {
        **public_site_environment(),
        "PYTHONUNBUFFERED": "1",
        "MESSAGEBOARD_CONFIG": config,
        "MESSAGEBOARD_SECRET_KEY": "asset-commands-secret",
        **{f"MESSAGEBOARD_{name}": str(value) for name, value in values.items() if value is not None},
    }


def flask(site, *args: str, config: str = "production", **settings) -> subprocess.CompletedProcess:
    """Run `flask --app messageboard <args>` as a user would, for ``site``'s folders."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", *args],
        cwd=PROJECT_ROOT,
        env=command_environment(site, config, **settings),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )


def manifest_of(site) -> Manifest | None:
    """The manifest of the last build of ``site``, if there is one."""
    return Manifest.load(site["ASSETS_BUILD_FOLDER"] / "manifest.json")


def built(site, static_path: str) -> str:
    """The text of the built file serving ``static_path``, or '' while there is none."""
    manifest = manifest_of(site)
    if manifest is None or static_path not in manifest.files:
        return ""
    try:
        return (site["ASSETS_BUILD_FOLDER"] / "public" / manifest.files[static_path]).read_text()
    except FileNotFoundError:
        return ""


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` and its content."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def sources_of(site) -> list[dict[str, bytes]]:
    """Every source file, which no command may delete: the site's copies, the theme's, the project's own."""
    return [files_under(folder) for folder in (site["STATIC_FOLDER"], site["THEME_FOLDER"], PROJECT_ROOT / "static")]


# --- flask assets watch ----------------------------------------------------------------------------------


class Watch:
    """`flask assets watch` running for a site, its output (stdout and stderr) kept in a file."""

    def __init__(self, site, log: Path):
        self.log = log
        with log.open("w") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "messageboard", "assets", "watch"],
                cwd=PROJECT_ROOT,
                env=command_environment(site, "development"),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        """What the command printed so far."""
        return self.log.read_text()

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until ``condition`` holds, failing with the output if it does not in time or the watch ends."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not condition():
            assert self.process.poll() is None, f"the watch ended ({self.process.returncode}):\n{self.output()}"
            assert time.monotonic() < deadline, f"no {what}:\n{self.output()}"
            time.sleep(0.05)

    def stop(self) -> None:
        """End the watch as Ctrl-C would, then for good."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def watch(site, tmp_path) -> Iterator[Watch]:
    """A running `flask assets watch` (development settings: stylesheets unminified, with source maps) for
    ``site``, its first build done."""
    running = Watch(site, tmp_path / "watch.log")
    try:
        running.wait_for(lambda: "Watching 1 bundles for changes" in running.output(), "start")
        # Its first look at the files' times follows that line; a change must come after the look.
        time.sleep(0.5)
        yield running
    finally:
        running.stop()


def replace_text(path: Path, text: str) -> None:
    """Give ``path`` this text in one step, as editors save: write_text truncates, then writes, and a
    watcher looking in between saw an empty file, then missed the text whose time was the same tick's."""
    written = path.with_name(path.name + ".saving")
    written.write_text(text)
    os.replace(written, path)


def test_flask_assets_watch_rebuilds_on_every_change_and_survives_a_failed_build(watch, site):
    assert ".message-list" in built(site, "gen/site.css")
    partial = site["THEME_FOLDER"] / "static" / "scss" / "_components.scss"

    replace_text(partial, ".added-by-the-theme { color: red; }\n")
    watch.wait_for(lambda: ".added-by-the-theme {\n  color: red;\n}" in built(site, "gen/site.css"), "themed rebuild")
    assert ".message-list" not in built(site, "gen/site.css")
    watch.wait_for(lambda: PRINTED_REBUILD.search(watch.output()), "rebuild printed")

    replace_text(partial, ".broken { color: red;\n")
    watch.wait_for(lambda: "Failed: Error: expected end of rule." in watch.output(), "report of the failure")
    assert "scss/_components.scss 1:22" in watch.output()

    replace_text(partial, ".fixed-by-the-theme { color: red; }\n")
    watch.wait_for(
        lambda: ".fixed-by-the-theme {\n  color: red;\n}" in built(site, "gen/site.css"), "rebuild after the fix"
    )

    replace_text(site["STATIC_FOLDER"] / "js" / "extra.js", "window.watchedExtra = true;\n")
    bundles = site["ASSETS_BUNDLES_FILE"]
    replace_text(
        bundles, bundles.read_text().replace("    - js/char-count.js\n", "    - js/char-count.js\n    - js/extra.js\n")
    )
    watch.wait_for(lambda: "window.watchedExtra=true" in built(site, "gen/site.js"), "rebuild for assets.yml")

    partial.unlink()
    watch.wait_for(lambda: ".message-list" in built(site, "gen/site.css"), "rebuild with the built-in partial")
    assert "Traceback" not in watch.output()


# --- flask assets clean ----------------------------------------------------------------------------------


def test_flask_assets_clean_removes_what_the_build_wrote_and_names_each_file(site, monkeypatch):
    assert flask(site, "assets", "build").returncode == 0
    public = site["ASSETS_BUILD_FOLDER"] / "public"
    published = sorted(files_under(public))
    sources = sources_of(site)
    assert len(published) > 6

    cleaned = flask(site, "assets", "clean")

    assert cleaned.returncode == 0, cleaned.stderr
    assert files_under(public) == {}
    assert not (site["ASSETS_BUILD_FOLDER"] / "manifest.json").exists()
    deleted = [line.removeprefix("Deleted asset: ") for line in cleaned.stderr.splitlines() if "Deleted" in line]
    assert deleted == [str(site["ASSETS_BUILD_FOLDER"] / "manifest.json"), *(str(public / name) for name in published)]
    assert sources_of(site) == sources

    for name, value in command_environment(site, "production").items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=r"^The static files are not built \(.*manifest.json is missing\)"):
        check_can_serve()


# --- commands that neither serve nor build ---------------------------------------------------------------


def test_commands_that_neither_serve_nor_build_leave_the_build_alone(site, tmp_path):
    (site["THEME_FOLDER"] / "static" / "scss" / "_components.scss").write_text(".themed { color: red; }\n")
    assert flask(site, "assets", "build", config="development").returncode == 0
    before = files_under(site["ASSETS_BUILD_FOLDER"])
    other_sources = tmp_path / "other-static"
    shutil.copytree(site["STATIC_FOLDER"], other_sources)
    (other_sources / "js" / "local-times.js").write_text("window.otherSources = true;\n")

    for command in (["routes"], ["config"], ["shell"], ["db", "init"], ["editors", "list"]):
        # Another shell's settings: no theme, other sources. A build would replace the manifest.
        ran = flask(site, *command, config="development", THEME_FOLDER=None, STATIC_FOLDER=other_sources)
        assert ran.returncode == 0, (command, ran.stderr)
        assert files_under(site["ASSETS_BUILD_FOLDER"]) == before, command
