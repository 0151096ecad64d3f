"""The base every other module builds on, importing nothing of the project's: paths, limits, the
whole-number rule for request values, setting declarations and ``ConfigError``."""

from messageboard.core.errors import ConfigError, report, stop_on
from messageboard.core.limits import (
    ADDRESS_MAX_LENGTH,
    DIFF_CHANGES_MAX,
    EDITOR_NAME_MAX_LENGTH,
    INTEGER_MAX,
    KEY_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    REVISIONS_PER_PAGE,
    SEARCH_BYTES_MAX,
    SEARCH_CANDIDATES_MAX,
    SEARCH_MAX_LENGTH,
    SEARCH_RESULTS_MAX,
    SEARCH_TEXTS_MAX,
    TEXT_MAX_LENGTH,
    TRASH_PER_PAGE,
)
from messageboard.core.numbers import BEYOND_INTEGER_MAX, stored_number, whole_number
from messageboard.core.paths import (
    BUILT_IN_TEMPLATES,
    PROJECT_ROOT,
    project_path,
    shown_path,
    static_folder_path,
    template_folders,
    theme_folder_path,
)

__all__ = [
    "BUILT_IN_TEMPLATES",
    "ADDRESS_MAX_LENGTH",
    "DIFF_CHANGES_MAX",
    "BEYOND_INTEGER_MAX",
    "EDITOR_NAME_MAX_LENGTH",
    "INTEGER_MAX",
    "KEY_MAX_LENGTH",
    "PASSWORD_MAX_LENGTH",
    "PASSWORD_MIN_LENGTH",
    "REVISIONS_PER_PAGE",
    "PROJECT_ROOT",
    "SEARCH_BYTES_MAX",
    "SEARCH_CANDIDATES_MAX",
    "SEARCH_MAX_LENGTH",
    "SEARCH_RESULTS_MAX",
    "SEARCH_TEXTS_MAX",
    "TEXT_MAX_LENGTH",
    "TRASH_PER_PAGE",
    "ConfigError",
    "project_path",
    "report",
    "shown_path",
    "static_folder_path",
    "stop_on",
    "stored_number",
    "template_folders",
    "theme_folder_path",
    "whole_number",
]
