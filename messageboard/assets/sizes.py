"""The sizes `flask assets build` prints: each bundle's published file, raw and as served compressed."""

from __future__ import annotations

from pathlib import Path

from messageboard.assets.manifest import Manifest

# The compressed forms the build writes beside each text file where smaller (build.Publisher), as
# the table names them.
ENCODINGS = {".gz": "gzip", ".br": "br"}


def size_lines(manifest: Manifest, public: Path) -> list[str]:
    """One aligned line per bundle output (its hashed name, then its size raw and served gzip and
    brotli), and one totalling the other published files."""
    bundles = sorted(manifest.files[output] for output in manifest.bundles.values())
    others = sorted(set(manifest.files.values()) - set(bundles))
    rows = [[name, *served_sizes(public / name)] for name in bundles]
    if others:
        totals = [sum(sizes) for sizes in zip(*(served_sizes(public / name) for name in others), strict=True)]
        rows.append([f"{len(others)} other file{'s' if len(others) != 1 else ''}", *totals])
    return _aligned([[label, *(shown_size(size) for size in sizes)] for label, *sizes in rows])


def served_sizes(path: Path) -> list[int]:
    """The bytes of ``path``, then those served to a client asking for each encoding: its compressed
    form where the build wrote one, else the file itself."""
    raw = path.stat().st_size
    return [raw, *(_size_or(Path(f"{path}{suffix}"), raw) for suffix in ENCODINGS)]


def shown_size(size: int) -> str:
    """A size in kilobytes (1000 bytes), to one decimal, as the table prints it."""
    return f"{size / 1000:.1f} kB"


def _size_or(path: Path, fallback: int) -> int:
    """The size of ``path``, or ``fallback`` where there is no such file."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return fallback


def _aligned(rows: list[list[str]]) -> list[str]:
    """Rows of a label, a raw size and one size per encoding, in columns: labels to the left, sizes to the right."""
    if not rows:
        return []
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    units = ["", *ENCODINGS.values()]
    lines = []
    for label, *sizes in rows:
        cells = [
            f"{size.rjust(width)} {unit}".rstrip() for size, width, unit in zip(sizes, widths[1:], units, strict=True)
        ]
        lines.append("  ".join([label.ljust(widths[0]), *cells]))
    return lines
