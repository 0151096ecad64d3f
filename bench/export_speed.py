"""Static export speed, in-process: pages per second against Frozen-Flask on the same app and data,
and the time of a re-export after one message is edited."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask_frozen import Freezer, MissingURLGeneratorWarning

from bench import WORK_DIR, seed
from bench.server import TRUSTED_HOSTS
from messageboard import create_app, store
from messageboard.export.exporter import ExportOptions, export_site
from messageboard.export.plan import plan_pages

RUNS = 3
REEXPORT_RUNS = 5
SPEED_GOAL = 3.0
REEXPORT_GOAL_SECONDS = 1.0


@dataclass(frozen=True)
class ExportSpeed:
    """Pages per second of each full export and of each Frozen-Flask freeze; seconds of re-exports."""

    pages: int
    frozen_pages: int
    ours: list[float]
    frozen_flask: list[float]
    reexport: list[float]


def measure(database: Path, secret_key: str) -> ExportSpeed:
    """Export a copy of ``database`` (re-exports edit it) with both exporters, alternating."""
    with tempfile.TemporaryDirectory(prefix="export-speed-", dir=WORK_DIR) as temporary:
        folder = Path(temporary)
        shutil.copy(database, folder / "messages.sqlite3")
        app = create_app(
            "production",
            instance_path=folder / "instance",
            SECRET_KEY=secret_key,
            TRUSTED_HOSTS=TRUSTED_HOSTS,
            DATABASE_URL=seed.database_url(folder / "messages.sqlite3"),
        )
        with app.app_context():
            # The HTML pages; the search index exists only for our export's own requests.
            specs = [spec for spec in plan_pages(app) if spec.path.endswith(".html") and spec.status == 200]
        # Frozen-Flask names a file after its URL, so a message's page (/messages/<key>) and the
        # folder its history needs (/messages/<key>/history) would share a name: it freezes the
        # list and message pages, and the two compare in pages per second.
        freezable = [spec.url for spec in specs if not _is_history_file(spec.path)]
        freezer = frozen_flask(app, freezable, folder / "frozen")
        ours, theirs = [], []
        for _ in range(RUNS):
            shutil.rmtree(folder / "site", ignore_errors=True)
            shutil.rmtree(folder / "instance" / "export-state", ignore_errors=True)
            report = export_site(app, ExportOptions(out=folder / "site", workers=os.cpu_count() or 1))
            ours.append(report.pages / report.seconds)
            shutil.rmtree(folder / "frozen", ignore_errors=True)
            started = time.perf_counter()
            frozen = quietly_frozen(freezer)
            theirs.append(frozen / (time.perf_counter() - started))
        reexport = [timed_reexport(app, folder / "site", number) for number in range(1, REEXPORT_RUNS + 1)]
        return ExportSpeed(len(specs), len(freezable), ours, theirs, reexport)


def _is_history_file(path: str) -> bool:
    """Whether an export's file is a message's history or revision page."""
    return path.startswith(("history/", "revisions/"))


def frozen_flask(app, urls: list[str], destination: Path) -> Freezer:
    """Plain Frozen-Flask, set to freeze exactly the pages our export writes (and the static files)."""
    # Its own switch for a warning it would print for every extensionless page it writes.
    app.config.update(
        FREEZER_DESTINATION=str(destination), FREEZER_RELATIVE_URLS=False, FREEZER_IGNORE_MIMETYPE_WARNINGS=True
    )
    freezer = Freezer(app, with_no_argument_rules=False, log_url_for=False)
    freezer.register_generator(lambda: iter(urls))
    return freezer


def quietly_frozen(freezer: Freezer) -> int:
    """Freeze, without Frozen-Flask's warning that the endpoints it was not asked for were skipped."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingURLGeneratorWarning)
        return len(freezer.freeze())


def timed_reexport(app, out: Path, number: int) -> float:
    """Edit one message, export again, and return the seconds the export took."""
    key = seed.message_key(number * 997)
    with app.app_context():
        message = store.get_message(key)
        store.update_message(key, f"{message.text} (edit {number})", based_on=message.revision)
    return export_site(app, ExportOptions(out=out, workers=os.cpu_count() or 1)).seconds
