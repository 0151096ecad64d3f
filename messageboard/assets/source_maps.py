"""Inline source maps in built CSS (``ASSETS_SOURCE_MAPS``): read the one a tool wrote, name its sources
by static path, and write it back inside the CSS.

The map travels inside the stylesheet, with the SCSS sources' text, so that content-hashed renaming
and publishing need not know of it, and devtools show the SCSS without fetching it (sources are never
served).
"""

from __future__ import annotations

import base64
import json
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote
from urllib.request import url2pathname

MAP_COMMENT = re.compile(r"/\*# sourceMappingURL=(?P<url>\S+) \*/\s*\Z")
INLINE_MAP = re.compile(r"data:application/json(?:;charset=utf-8)?(?P<base64>;base64)?,(?P<data>.*)", re.DOTALL)


def split_map(css: str) -> tuple[str, dict | None]:
    """The CSS without its closing sourceMappingURL comment, and the map if the comment holds it inline."""
    comment = MAP_COMMENT.search(css)
    if comment is None:
        return css, None
    inline = INLINE_MAP.fullmatch(comment.group("url"))
    if inline is None:
        return css[: comment.start()], None
    data = inline.group("data")
    text = base64.b64decode(data).decode() if inline.group("base64") else unquote(data)
    return css[: comment.start()], json.loads(text)


def with_map(css: str, source_map: dict) -> str:
    """The CSS ending in ``source_map``, inline."""
    # Base64, never percent-encoding as Dart Sass writes it: the embedded SCSS's url(...) would
    # otherwise show through to the url() rewriting of the build.
    encoded = base64.b64encode(json.dumps(source_map, separators=(",", ":")).encode()).decode()
    return f"{css.rstrip()}\n/*# sourceMappingURL=data:application/json;base64,{encoded} */\n"


def renamed_sources(css: str, rename: Callable[[str], str]) -> str:
    """The CSS with each source its inline map names renamed by ``rename``; as it was without a map."""
    bare, source_map = split_map(css)
    if source_map is None:
        return css
    sources = [source if source is None else rename(source) for source in source_map["sources"]]
    return with_map(bare, {**source_map, "sources": sources})


def without_sources_but(source_map: dict, kept: list[str | None]) -> dict:
    """``source_map`` with the name and text of every source not among ``kept`` left out (null)."""
    # Lightning CSS names the CSS it read from stdin "stdin-<its pid>" and embeds all of it,
    # though no mapping points there: a name that would change the hash of every build.
    sources = [source if source in kept else None for source in source_map["sources"]]
    contents = source_map.get("sourcesContent") or [None] * len(sources)
    return {
        **source_map,
        "sources": sources,
        "sourcesContent": [
            text if source is not None else None for source, text in zip(sources, contents, strict=True)
        ],
    }


def static_path_of(source: str, static_folder: Path) -> str:
    """The static path of a source Dart Sass names by ``file:`` URL (as it names them when writing to stdout)."""
    if not source.startswith("file:"):
        return source
    path = Path(url2pathname(source.removeprefix("file://")))
    return path.relative_to(static_folder).as_posix() if path.is_relative_to(static_folder) else source


def relative_to_output(css: str, output: str) -> str:
    """The CSS with its map's sources relative to the stylesheet ``output``, as browsers resolve them."""
    folder = posixpath.dirname(output) or "."

    def from_output(source: str) -> str:
        """A static path relative to the stylesheet's folder; a URL (a file outside the static folder) as it is."""
        return source if ":" in source else posixpath.relpath(source, folder)

    return renamed_sources(css, from_output)
