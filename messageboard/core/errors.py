"""The error every misconfiguration raises, and the one line that reports it."""

from __future__ import annotations

import sys
from typing import NoReturn


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line saying what to set.

    ``setting`` names the one setting at fault, where there is one, so that the message can say
    which layer set it.
    """

    def __init__(self, message: str, *, setting: str | None = None):
        super().__init__(message)
        self.setting = setting


def report(problem: ConfigError) -> None:
    """Print ``problem`` as the one line every server and command prints for a misconfiguration, on
    stderr (Apache's error log under mod_wsgi)."""
    print(f"messageboard: {problem}", file=sys.stderr, flush=True)


def stop_on(problem: ConfigError) -> NoReturn:
    """Report ``problem`` and end the process with status 1."""
    report(problem)
    sys.exit(1)
