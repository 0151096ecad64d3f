"""Benchmark data: SQLite databases filled through the site's own store, and the built bundles."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from flask import Flask

from bench import PROJECT_ROOT, WORK_DIR, BenchError
from messageboard import create_app, store
from messageboard.extensions import db

WORDS = (
    "the a an of to and in on for with at by from about after before over under again more most "
    "message board note reminder meeting lunch coffee project release deploy server database page "
    "team today tomorrow yesterday week morning evening please thanks check update fixed broken "
    "new old quick slow small large first last next time people question answer idea plan ready "
    "done waiting review draft final version change test build ship design copy link list search"
).split()
TEXT_LENGTHS = (40, 300)
SEED = 20240601


def message_key(number: int) -> str:
    """Return the key of the numbered benchmark message, like msg-000042."""
    return f"msg-{number:06d}"


def message_text(rng: random.Random, length: int) -> str:
    """Return a sentence of random words at least ``length`` characters long."""
    words: list[str] = []
    size = 0
    while size < length:
        words.append(rng.choice(WORDS))
        size += len(words[-1]) + 1
    return " ".join(words).capitalize() + "."


def fake_messages(count: int, seed: int = SEED) -> Iterator[tuple[str, str]]:
    """Yield ``count`` (key, text) pairs, the same ones for the same seed."""
    rng = random.Random(seed)
    for number in range(1, count + 1):
        yield message_key(number), message_text(rng, rng.randint(*TEXT_LENGTHS))


def database_url(path: Path) -> str:
    """Return the SQLAlchemy URL of an SQLite file."""
    return f"sqlite:///{path.resolve()}"


def ensure_database(count: int, secret_key: str) -> Path:
    """Return an SQLite file holding ``count`` benchmark messages, reusing an earlier run's."""
    label = f"{count // 1000}k"
    path = WORK_DIR / f"messages-{label}.sqlite3"
    instance = WORK_DIR / f"instance-{label}"
    if path.exists() and _holds(path, instance, count, secret_key):
        print(f"  {path.name}: reusing {count:,} messages")
        return path
    _remove_database(path)
    print(f"  {path.name}: adding {count:,} messages through store.add_many ...", flush=True)
    _fill(path, instance, count, secret_key)
    return path


def _make_app(path: Path, instance: Path, secret_key: str) -> Flask:
    """Build the site's production app on this database file."""
    return create_app("production", instance_path=instance, SECRET_KEY=secret_key,
                      DATABASE_URL=database_url(path))


def _holds(path: Path, instance: Path, count: int, secret_key: str) -> bool:
    """Whether the database holds exactly the benchmark messages (plus the default one)."""
    app = _make_app(path, instance, secret_key)
    with app.app_context():
        try:
            expected = count + (store.get_message(store.DEFAULT_KEY) is not None)
            return (store.list_messages(per_page=1).total == expected
                    and store.get_message(message_key(count)) is not None)
        finally:
            db.engine.dispose()


def _fill(path: Path, instance: Path, count: int, secret_key: str) -> None:
    """Create the database with the app's schema and add the benchmark messages in one go."""
    app = _make_app(path, instance, secret_key)
    with app.app_context():
        try:
            store.add_many(fake_messages(count))
        finally:
            # Closing the last connection checkpoints the WAL, so servers start on a compact file.
            db.engine.dispose()


def _remove_database(path: Path) -> None:
    """Delete an SQLite file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_assets(environment: Mapping[str, str]) -> None:
    """Build the css and js bundles, which production settings never build while serving."""
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run([str(flask), "--app", "messageboard", "assets", "build"],
                            cwd=PROJECT_ROOT, env=dict(environment), capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"flask assets build failed ({result.returncode}):\n"
                         f"{result.stdout}{result.stderr}")

