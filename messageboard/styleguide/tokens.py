"""The design tokens the styleguide's tokens page shows: each custom property of _tokens.scss's first
:root block, grouped under the comment heading above it (Colours, Type scale, Spacing scale, Radii)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TOKENS_FILE = Path("scss") / "_tokens.scss"
_HEADING = re.compile(r"^\s*//\s*(?P<heading>\S.*?)\s*$")
_TOKEN = re.compile(r"^\s*(?P<name>--[a-z0-9-]+)\s*:\s*(?P<value>.+?)\s*;\s*$")


@dataclass(frozen=True)
class TokenGroup:
    """A heading's tokens, and how the page draws them (``kind``: colour, type, spacing or radius)."""

    heading: str
    kind: str
    tokens: list[tuple[str, str]]


# A group's first word, as its heading says it, and what the page draws for it.
KINDS = {"colours": "colour", "type": "type", "spacing": "spacing", "radii": "radius"}


def design_tokens(static_folder: Path) -> list[TokenGroup]:
    """The token groups of the static folder's _tokens.scss (its light values: the dark ones follow it)."""
    lines = (static_folder / TOKENS_FILE).read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines) if line.strip() == ":root {")
    groups: list[TokenGroup] = []
    for line in lines[start + 1 :]:
        if line.strip() == "}":
            break
        if heading := _HEADING.match(line):
            words = heading["heading"].split()
            groups.append(TokenGroup(heading["heading"], KINDS.get(words[0].lower().rstrip(":"), "other"), []))
        elif (token := _TOKEN.match(line)) and groups:
            groups[-1].tokens.append((token["name"], token["value"]))
    return [group for group in groups if group.tokens]
