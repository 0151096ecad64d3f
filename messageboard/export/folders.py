"""The export's folders: telling one that is not an export, writing and linking files, swapping the new one in."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
from pathlib import Path

from messageboard.core.files import write_atomically

# Each export's list of the files it wrote, at its root: the one sign that a folder is an export.
MARKER = ".messageboard-export"
# How many foreign files a refusal names; the count says the rest.
NAMED_FOREIGN = 3


def foreign_problem(out: Path) -> str | None:
    """Why an export must not replace ``out``, or None: it may replace only a folder it wrote (whose marker
    lists every file in it), an empty folder, or nothing."""
    if not out.exists():
        return None
    if not out.is_dir():
        return "it is a file"
    present = files_in(out)
    if not present:
        return None
    written = _marked_files(out)
    if written is None:
        return f"it holds no {MARKER}, the list of files an export writes, so it is not an export"
    foreign = sorted(present - written - {MARKER})
    if foreign:
        named = ", ".join(foreign[:NAMED_FOREIGN]) + (", ..." if len(foreign) > NAMED_FOREIGN else "")
        files = "a file" if len(foreign) == 1 else f"{len(foreign)} files"
        return f"it holds {files} the last export did not write ({named})"
    return None


def _marked_files(out: Path) -> set[str] | None:
    """The files the marker in ``out`` lists, or None if it has no readable marker."""
    try:
        marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
        return set(marker["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def mark(staging: Path) -> None:
    """Write the marker listing every file in ``staging``, an export about to be swapped in."""
    files = sorted(files_in(staging) - {MARKER})
    marker = {"written_by": "flask --app messageboard export", "files": files}
    write_atomically(staging / MARKER, json.dumps(marker, indent=0).encode())


def staging_folder(out: Path) -> Path:
    """A new, empty folder beside ``out`` in which this process builds the export that replaces it."""
    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def write_file(path: Path, content: bytes) -> None:
    """Write a new file with the fewest system calls (thousands of pages make them count)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)


def link_or_copy(source: Path, target: Path) -> None:
    """Put ``source`` at ``target`` as a hard link (no copy of the bytes), else as a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def files_in(folder: Path) -> set[str]:
    """Every file below ``folder``, as paths relative to it."""
    # os.walk and strings: pathlib's rglob, is_file and relative_to cost several times as much a file.
    found = set()
    for directory, _, names in os.walk(folder):
        relative = os.path.relpath(directory, folder)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        found.update(prefix + name for name in names)
    return found


def swap(staging: Path, out: Path) -> None:
    """Put the staging folder in place of ``out`` in one step where Linux allows it."""
    if not out.exists():
        os.rename(staging, out)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    rename_exchange = 2  # renameat2(2) RENAME_EXCHANGE swaps two paths atomically
    at_fdcwd = -100
    if (
        hasattr(libc, "renameat2")
        and libc.renameat2(at_fdcwd, bytes(staging), at_fdcwd, bytes(out), rename_exchange) == 0
    ):
        return  # the old export now sits at the staging path, which the caller removes
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
