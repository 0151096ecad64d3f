"""The project's file layout: where it is, and the folders settings name relative to it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
BUILT_IN_TEMPLATES = PROJECT_ROOT / "templates"


def project_path(setting: str | Path) -> Path:
    """The path a setting names; a relative one is taken from the project folder."""
    return PROJECT_ROOT / setting


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the project where it is inside it."""
    return path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else str(path)


def theme_folder_path(values: Mapping) -> Path | None:
    """The theme folder ``THEME_FOLDER`` names, as an absolute path, or None."""
    theme = values.get("THEME_FOLDER")
    return project_path(theme) if theme else None


def template_folders(values: Mapping) -> list[Path]:
    """The folders templates are looked up in, first found wins: the theme's, then the built-in one."""
    theme = theme_folder_path(values)
    themed = [theme / "templates"] if theme and (theme / "templates").is_dir() else []
    return [*themed, BUILT_IN_TEMPLATES]


def static_folder_path(values: Mapping) -> Path:
    """The static sources' folder ``STATIC_FOLDER`` names (default ``static/``), as an absolute path."""
    return project_path(values.get("STATIC_FOLDER") or "static")
