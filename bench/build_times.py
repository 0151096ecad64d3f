"""Asset build times, in-process: a cold full build, and a rebuild after one SCSS change."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import PROJECT_ROOT, WORK_DIR, BenchError, seed
from bench.server import TRUSTED_HOSTS
from messageboard import create_app
from messageboard.assets import AssetBuildError, SiteAssets
from messageboard.assets.build import BuildReport

COLD_RUNS = 5
REBUILD_RUNS = 9
REBUILD_GOAL_MS = 150
EDITED_SCSS = "scss/_components.scss"
CSS_BUNDLE = "gen/site.css"


@dataclass(frozen=True)
class BuildTimes:
    """Milliseconds taken by each cold full build and by each rebuild after an SCSS change."""

    cold: list[float]
    rebuild: list[float]


def measure(secret_key: str) -> BuildTimes:
    """Time builds of a copy of static/ into a throwaway build folder under WORK_DIR."""
    with tempfile.TemporaryDirectory(prefix="build-times-", dir=WORK_DIR) as temporary:
        folder = Path(temporary)
        sources, build_folder = folder / "static", folder / "build"
        # A copy, because the rebuilds edit an SCSS file.
        shutil.copytree(PROJECT_ROOT / "static", sources)
        app = create_app(
            "production",
            instance_path=folder / "instance",
            SECRET_KEY=secret_key,
            TRUSTED_HOSTS=TRUSTED_HOSTS,
            STATIC_FOLDER=str(sources),
            ASSETS_BUILD_FOLDER=str(build_folder),
            DATABASE_URL=seed.database_url(folder / "messages.sqlite3"),
        )
        assets: SiteAssets = app.extensions["messageboard.assets"]
        cold = []
        for _ in range(COLD_RUNS):
            shutil.rmtree(build_folder, ignore_errors=True)
            cold.append(timed(lambda: assets.build(force=True))[0])
        rebuild = [timed_rebuild(assets, sources, number) for number in range(1, REBUILD_RUNS + 1)]
        return BuildTimes(cold, rebuild)


def timed_rebuild(assets: SiteAssets, sources: Path, number: int) -> float:
    """Add a distinct rule to the SCSS, time the build, check the published css holds the rule."""
    rule = f".bench-{number}"
    with (sources / EDITED_SCSS).open("a", encoding="utf-8") as scss:
        scss.write(f"\n{rule} {{ color: #{number:06d}; }}\n")
    milliseconds, report = timed(assets.build)
    css = assets.paths.public / report.manifest.hashed(CSS_BUNDLE)
    if rule not in css.read_text(encoding="utf-8"):
        raise BenchError(f"the rebuild after editing {EDITED_SCSS} left {rule} out of {css}")
    return milliseconds


def timed(build: Callable[[], BuildReport]) -> tuple[float, BuildReport]:
    """Run ``build`` and return its wall time in milliseconds with its report."""
    started = time.perf_counter()
    try:
        report = build()
    except AssetBuildError as error:
        raise BenchError(f"asset build failed: {error}") from None
    return (time.perf_counter() - started) * 1000, report
