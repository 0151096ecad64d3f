"""How long the history pages take to render, in process with the page cache off: a message's
history page when it has 1,000 revisions, and the diff of two 10,000-character revisions on one
line that differ in 150 words."""

from __future__ import annotations

import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import WORK_DIR, seed
from bench.server import TRUSTED_HOSTS
from messageboard import create_app, store
from messageboard.extensions import db

REVISIONS = 1_000
TEXT_LENGTH = 10_000
CHANGED_WORDS = 150
WARMUPS, RUNS = 3, 30
GOAL_MS = 20.0
HISTORY_KEY, DIFF_KEY = "bench-history", "bench-diff"


@dataclass(frozen=True)
class HistoryCost:
    """Milliseconds of each render of the history page and of the diff page."""

    history: list[float]
    diff: list[float]


def measure(secret_key: str) -> HistoryCost:
    """Make a database with the two messages, then time GETs of their pages through the test client."""
    with tempfile.TemporaryDirectory(prefix="history-cost-", dir=WORK_DIR) as temporary:
        folder = Path(temporary)
        app = create_app(
            "production",
            instance_path=folder / "instance",
            SECRET_KEY=secret_key,
            TRUSTED_HOSTS=TRUSTED_HOSTS,
            DATABASE_URL=seed.database_url(folder / "history.sqlite3"),
            PAGE_CACHE_SIZE=0,
        )
        try:
            with app.app_context():
                store.upgrade_schema()
                _add_history(HISTORY_KEY, REVISIONS)
                _add_diff(DIFF_KEY)
            client = app.test_client()
            return HistoryCost(
                _timed(client, f"/messages/{HISTORY_KEY}/history"), _timed(client, f"/messages/{DIFF_KEY}/diff")
            )
        finally:
            db.close(app)


def _add_history(key: str, revisions: int) -> None:
    """A message edited until it has ``revisions`` revisions."""
    message = store.add_message(key, "revision 1", by="ada")
    for number in range(2, revisions + 1):
        message = store.update_message(key, f"revision {number}", based_on=message.revision, by="grace")


def _add_diff(key: str) -> None:
    """A message of TEXT_LENGTH characters on one line, then the same with CHANGED_WORDS words replaced."""
    rng = random.Random(seed.SEED)
    older = seed.message_text(rng, TEXT_LENGTH)[:TEXT_LENGTH].replace("\n", " ").strip()
    words = older.split(" ")
    for _ in range(CHANGED_WORDS):
        words[rng.randrange(len(words))] = rng.choice(words)[::-1]
    newer = " ".join(words)[:TEXT_LENGTH].strip()
    message = store.add_message(key, older, by="ada")
    store.update_message(key, newer, based_on=message.revision, by="grace")


def _timed(client, path: str) -> list[float]:
    """Milliseconds of each of RUNS GETs of ``path``, after WARMUPS, each answering 200."""
    for _ in range(WARMUPS):
        assert client.get(path).status_code == 200, path
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        runs.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return runs
