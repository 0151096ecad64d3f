"""Settings as features declare them: a name, a default, its type, and the rule a value must meet.

Each feature lists its settings in a ``SETTINGS`` tuple beside the code that reads them;
``messageboard.settings`` applies every feature's defaults first, then the layers, then asks each
setting (and each feature's ``check_settings``) whether the value is one the site can run with.
A setting's type also says how to read it from an environment variable's text (``parse``): a
string setting keeps the text as it is, so a secret of digits stays a string.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from messageboard.core.errors import ConfigError

# The default of a setting the site knows but leaves to Flask: no default of its own is applied.
UNSET = object()

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
NULL_WORDS = frozenset({"", "null", "none"})
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def _keep(text: str) -> str:
    return text


@dataclass(frozen=True)
class Setting:
    """One setting: its default, how to read it from text, and the one-line error for a value that
    breaks ``rule``.

    ``problem`` is formatted with ``name`` and ``value`` (the value as found, repr'd). ``parse``
    turns an environment variable's text into a value, or returns the text unchanged where it is
    not one, so that ``rule`` names what was expected.
    """

    name: str
    default: object
    rule: Callable[[object], bool] | None = None
    problem: str = ""
    parse: Callable[[str], object] = _keep

    def check(self, values: Mapping) -> None:
        """Raise ConfigError, naming this setting and what it must be, if its value breaks the rule."""
        if self.name not in values:
            return
        value = values[self.name]
        if self.rule is not None and not self.rule(value):
            raise ConfigError(self.problem.format(name=self.name, value=repr(value)), setting=self.name)


def _is_whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _parse_flag(text: str):
    word = text.strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else text


def parse_whole(text: str):
    """A whole number from text, or the text unchanged where it is not one."""
    return int(text) if WHOLE_NUMBER.fullmatch(text.strip()) else text


def _parse_number(text: str):
    number = parse_whole(text)
    if number is not text:
        return number
    try:
        return float(text)
    except ValueError:
        return text


def _parse_optional(parse: Callable[[str], object]) -> Callable[[str], object]:
    return lambda text: None if text.strip().lower() in NULL_WORDS else parse(text)


def parse_names(text: str):
    """A JSON list (``["a", "b"]``), ``null``, or names separated by commas; else the text unchanged."""
    stripped = text.strip()
    if stripped.lower() in NULL_WORDS:
        return None
    if stripped.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return [name.strip() for name in text.split(",") if name.strip()]


def flag(name: str, default: bool | None, *, optional: bool = False) -> Setting:
    """A setting that is true or false (from text: 1/0, true/false, yes/no, on/off); ``optional``: or None."""
    return Setting(
        name,
        default,
        lambda value: isinstance(value, bool) or (optional and value is None),
        "{name} must be true or false, not {value}",
        _parse_optional(_parse_flag) if optional else _parse_flag,
    )


def whole(name: str, default: int, *, least: int, most: int | None = None, note: str = "") -> Setting:
    """A whole number from ``least`` (to ``most``, if given); ``note`` says what a value means, as "0: off"."""
    bounds = f"from {least} to {most}" if most is not None else f"from {least} up"
    note = f" ({note})" if note else ""
    return Setting(
        name,
        default,
        lambda value: _is_whole(value) and value >= least and (most is None or value <= most),
        f"{{name}} must be a whole number {bounds}{note}, not {{value}}",
        parse_whole,
    )


def optional_seconds(name: str, default: int | None, *, none_means: str) -> Setting:
    """A whole number of seconds above 0, or None (from text: ``null``), which means ``none_means``."""
    return Setting(
        name,
        default,
        lambda value: value is None or (_is_whole(value) and value > 0),
        f"{{name}} must be a whole number of seconds above 0, or null for {none_means}, not {{value}}",
        _parse_optional(parse_whole),
    )


def seconds(name: str, default: float) -> Setting:
    """A number of seconds above 0 (a fraction allowed)."""
    return Setting(
        name,
        default,
        lambda value: isinstance(value, int | float) and not isinstance(value, bool) and value > 0,
        "{name} must be a number of seconds above 0, not {value}",
        _parse_number,
    )


def path(name: str, default: str | None) -> Setting:
    """A file or folder, relative to the project unless absolute; None where the feature has a fallback."""
    return Setting(
        name,
        default,
        lambda value: value is None or isinstance(value, str | os.PathLike),
        "{name} must be a path (a string), not {value}",
        lambda text: text or None,
    )


def text(name: str, default, *, choices: tuple[str, ...] = (), nullable: bool | None = None) -> Setting:
    """A string, taken from the environment as it is (never as JSON); None too where ``nullable``
    (by default, where the default is None). With ``choices``, only one of them."""
    nullable = default is None if nullable is None else nullable
    if choices:
        shown = ", ".join(repr(choice) for choice in choices)
        return Setting(
            name,
            default,
            lambda value: value in choices or (nullable and value is None),
            f"{{name}} must be one of {shown}, not {{value}}",
        )
    return Setting(
        name,
        default,
        lambda value: isinstance(value, str) or (nullable and value is None),
        "{name} must be a string, not {value}",
    )


def names(name: str, default, *, nullable: bool | None = None) -> Setting:
    """A list of strings (from text: a JSON list, or names separated by commas); None too where
    ``nullable`` (by default, where the default is None)."""
    nullable = default is None if nullable is None else nullable
    return Setting(
        name,
        default,
        lambda value: (
            (nullable and value is None)
            or (isinstance(value, list | tuple) and all(isinstance(item, str) for item in value))
        ),
        '{name} must be a list of strings, like ["a", "b"], not {value}',
        parse_names,
    )


def check_all(settings: tuple[Setting, ...], values: Mapping) -> None:
    """Check each of ``settings`` in turn, raising at the first that is wrong."""
    for setting in settings:
        setting.check(values)


def defaults(settings: tuple[Setting, ...]) -> dict:
    """The default of each setting that has one of its own, by name."""
    return {setting.name: setting.default for setting in settings if setting.default is not UNSET}
