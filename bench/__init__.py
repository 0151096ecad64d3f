"""Benchmark: requests per second of the site under real gunicorn, reading and adding on SQLite and
on PostgreSQL, against a raw WSGI ceiling; also the asset build times, the home page's transfer
size, the static export's speed and live reload's save-to-page time in chromium.

Run it with ``make bench`` or ``python -m bench``; it works in the git-ignored ``.bench/`` folder
and in a PostgreSQL database of its own, dropped when it ends.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = PROJECT_ROOT / ".bench"


class BenchError(Exception):
    """The benchmark cannot go on; the message says what failed."""
