"""The asset pipeline's settings: where sources are, where builds go, how files are served and cached."""

from __future__ import annotations

from collections.abc import Mapping

from messageboard.core import ConfigError, static_folder_path, theme_folder_path
from messageboard.core.setting import Setting, flag, path, whole

SETTINGS: tuple[Setting, ...] = (
    # The static sources (scss/, js/, images/): None means the top-level static/ folder.
    path("STATIC_FOLDER", None),
    # The URL path the built static files are served under.
    Setting(
        "STATIC_URL_PATH",
        "/static",
        lambda value: isinstance(value, str) and value.startswith("/") and not value.endswith("/"),
        "{name} must start with '/' and not end with one, like /static, not {value}",
    ),
    # Where `flask assets build` publishes (public/, served) and keeps its manifest (not served);
    # relative to the project.
    path("ASSETS_BUILD_FOLDER", "build"),
    # The bundles {% assets %} links, relative to the project.
    path("ASSETS_BUNDLES_FILE", "assets.yml"),
    # Cache-Control max-age for static files whose names carry no content hash.
    whole("STATIC_MAX_AGE", 60, least=0),
    # A folder whose templates/ and static/ override the built-in files of the same name (the
    # rest fall back to templates/ and static/); relative to the project. See docs/templates.md.
    path("THEME_FOLDER", None),
    # Rebuild changed assets before a page request; elsewhere the app never builds.
    flag("ASSETS_AUTO_BUILD", False),
    # Stylesheets unminified, each ending in an inline source map with the SCSS sources' text, so
    # that devtools show the SCSS file and line of each rule; off: minified, no map.
    flag("ASSETS_SOURCE_MAPS", False),
    # Flask-Assets' own settings, fixed: the build keeps its own manifest and cache.
    flag("ASSETS_DEBUG", False),
    flag("ASSETS_CACHE", False),
    flag("ASSETS_MANIFEST", False),
)


def check_settings(values: Mapping) -> None:
    """The static folder and the theme folder, where set, are folders."""
    folder = values.get("STATIC_FOLDER")
    if folder is not None and not static_folder_path(values).is_dir():
        raise ConfigError(
            f"STATIC_FOLDER names {folder}, which is not a folder: set it to the folder holding css/, js/ and images/",
            setting="STATIC_FOLDER",
        )
    theme = values.get("THEME_FOLDER")
    if theme is not None and not theme_folder_path(values).is_dir():
        raise ConfigError(
            f"THEME_FOLDER names {theme}, which is not a folder: set it to a folder holding "
            "templates/ and/or static/, or unset MESSAGEBOARD_THEME_FOLDER",
            setting="THEME_FOLDER",
        )
