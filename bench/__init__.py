"""Benchmark: requests per second of the site under real gunicorn, against a raw WSGI ceiling;
also the asset build times, the home page's transfer size, the static export's speed and live
reload's save-to-page time in chromium.

Run it with ``make bench`` or ``python -m bench``; it works in the git-ignored ``.bench/`` folder.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = PROJECT_ROOT / ".bench"


class BenchError(Exception):
    """The benchmark cannot go on; the message says what failed."""
