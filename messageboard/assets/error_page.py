"""The page a failed build shows in development, in place of the page asked for."""

from __future__ import annotations

from flask import render_template

from messageboard.assets.tools import AssetBuildError


def render_build_error(error: AssetBuildError):
    """Show a failed build (a Sass error, a missing file) as a page naming the file and line."""
    return render_template("errors/asset_build.html", problem=str(error)), 500
