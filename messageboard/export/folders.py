"""The export's folders: telling one that is not an export, writing and linking files, swapping the new one in."""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path


def is_foreign(out: Path) -> bool:
    """Whether ``out`` is something an export must not replace: a file, or a folder of files but no export."""
    return out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "index.html").is_file()))


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
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


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
