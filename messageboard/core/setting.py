"""Settings as features declare them: a name, a default, and the rule a value must meet.

Each feature lists its settings in a ``SETTINGS`` tuple beside the code that reads them;
``messageboard.settings`` applies every feature's defaults first, then the layers, then asks each
setting (and each feature's ``check_settings``) whether the value is one the site can run with.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from messageboard.core.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One setting: its default, and the one-line error for a value that breaks ``rule``.

    ``problem`` is formatted with ``name`` and ``value`` (the value as found, repr'd).
    """

    name: str
    default: object
    rule: Callable[[object], bool] | None = None
    problem: str = ""

    def check(self, values: Mapping) -> None:
        """Raise ConfigError, naming this setting and what it must be, if its value breaks the rule."""
        value = values.get(self.name)
        if self.rule is not None and not self.rule(value):
            raise ConfigError(self.problem.format(name=self.name, value=repr(value)))


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def flag(name: str, default: bool) -> Setting:
    """A setting that is true or false."""
    return Setting(name, default, lambda value: isinstance(value, bool), "{name} must be true or false, not {value}")


def whole(name: str, default: int, *, least: int, most: int | None = None, note: str = "") -> Setting:
    """A whole number from ``least`` (to ``most``, if given); ``note`` says what a value means, as "0: off"."""
    bounds = f"from {least} to {most}" if most is not None else f"from {least} up"
    note = f" ({note})" if note else ""
    return Setting(
        name,
        default,
        lambda value: _is_whole(value) and value >= least and (most is None or value <= most),
        f"{{name}} must be a whole number {bounds}{note}, not {{value}}",
    )


def seconds(name: str, default: float) -> Setting:
    """A number of seconds above 0 (a fraction allowed)."""
    return Setting(
        name,
        default,
        lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value > 0,
        "{name} must be a number of seconds above 0, not {value}",
    )


def path(name: str, default: str | None) -> Setting:
    """A file or folder, relative to the project unless absolute; None where the feature has a fallback."""
    return Setting(
        name,
        default,
        lambda value: value is None or isinstance(value, str | os.PathLike),
        "{name} must be a path (a string), not {value}",
    )


def check_all(settings: tuple[Setting, ...], values: Mapping) -> None:
    """Check each of ``settings`` in turn, raising at the first that is wrong."""
    for setting in settings:
        setting.check(values)


def defaults(settings: tuple[Setting, ...]) -> dict:
    """The default of each setting, by name."""
    return {setting.name: setting.default for setting in settings}
