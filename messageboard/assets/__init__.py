"""The asset pipeline: bundles from assets.yml, every static file content-hashed, served by WhiteNoise.

- ``flask assets build`` (``make assets``) builds once: Sass and JS bundles through webassets, then
  every public file published under a content-hashed name, compressed, with a manifest written
  outside the public folder (see ``build.py``).
- ``flask assets watch`` builds what is out of date, then rebuilds on every change to an input (a
  static source of the theme or the site, a file added or removed, assets.yml, package.json),
  printing each build; a failed build is printed and the watch goes on.
- ``flask assets clean`` deletes what builds wrote, the manifest first, then each file of the
  public folder, naming each; never a source. A server that never builds then refuses to start
  until the next build.
- Templates keep calling ``url_for('static', filename=...)`` and ``{% assets "name" %}``; both
  give the hashed URL from the manifest.
- Only ``flask assets build`` and ``watch``, ``flask export`` and serving build; making the app
  never does, so ``flask routes``, ``config``, ``shell``, ``db`` and ``editors`` leave the build
  as it is. With
  ``ASSETS_AUTO_BUILD`` (Development) each page request first rebuilds whatever changed, and
  ``flask export`` does before it plans; elsewhere the app never builds, and servers refuse to
  start on a missing or stale build. A build made while serving is served at once: its files, and
  the pages' links to them, the page cache's too; a file deleted meanwhile answers 404.

The modules, one job each: ``paths`` (where a build reads and writes), ``build`` (the build),
``css_urls`` (url() references), ``manifest``, ``tools`` (Dart Sass, Lightning CSS), ``source_maps``
(Development's inline css maps), ``sizes`` (what ``flask assets build`` prints), ``environment``
(the bundles and rebuilds), ``cli`` (what Flask-Assets' commands build, watch and delete),
``template_tag`` (``{% assets %}``), ``static_files`` (WhiteNoise), ``checks`` (the start-up check, and
what ``/readyz`` says),
``error_page`` (a failed build, shown) and ``settings``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, request
from webassets.ext.jinja2 import AssetsExtension

from messageboard.assets.checks import build_problem, check_built
from messageboard.assets.environment import SiteAssets
from messageboard.assets.error_page import render_build_error
from messageboard.assets.manifest import file_identity
from messageboard.assets.paths import build_paths
from messageboard.assets.static_files import StaticFiles
from messageboard.assets.template_tag import AssetsTag
from messageboard.assets.tools import AssetBuildError

__all__ = [
    "AssetBuildError",
    "SiteAssets",
    "build_paths",
    "build_problem",
    "check_built",
    "init_assets",
    "pages_follow_builds",
    "render_build_error",
]


def pages_follow_builds(app: Flask, change_counter: Callable[[], Hashable] | None) -> Callable[[], Hashable] | None:
    """``change_counter`` for the page cache, moved also by a build replacing the manifest while serving:
    a kept page links the files of the build it was rendered with, which may be gone."""
    if change_counter is None:
        return None
    manifest = build_paths(app.config).manifest
    return lambda: (change_counter(), file_identity(manifest))


def init_assets(app: Flask) -> SiteAssets:
    """Give the app its assets: environment, hashed static URLs, WhiteNoise and, where set, a rebuild
    before each page."""
    assets = SiteAssets(app)
    app.extensions["messageboard.assets"] = assets
    # Flask-Assets' init_app adds webassets' own {% assets %} tag, which builds bundles made in
    # templates; removed, so that the one tag of that name is ours.
    # pinned by tests/test_library_contracts.py::test_flask_assets_adds_the_webassets_tag_under_its_identifier
    del app.jinja_env.extensions[AssetsExtension.identifier]
    app.jinja_env.add_extension(AssetsTag)
    app.jinja_env.site_assets = assets

    @app.url_defaults
    def hashed_static_url(endpoint, values):
        """url_for('static', filename=...) gives the file's content-hashed name."""
        if endpoint == "static" and "filename" in values:
            values["filename"] = assets.published.hashed(values["filename"])

    follow_builds(app, assets)
    assets.paths.public.mkdir(parents=True, exist_ok=True)
    app.wsgi_app = StaticFiles(
        app.wsgi_app,
        root=str(assets.paths.public),
        prefix=app.static_url_path,
        manifest=assets.paths.manifest,
        autorefresh=app.config["ASSETS_AUTO_BUILD"],
        max_age=app.config["STATIC_MAX_AGE"],
    )
    return assets


def follow_builds(app: Flask, assets: SiteAssets) -> None:
    """Before each page: with ``ASSETS_AUTO_BUILD``, rebuild what changed; otherwise read the manifest
    again if `flask assets build` replaced it, so that pages link the new files."""
    if not app.config["ASSETS_AUTO_BUILD"]:

        @app.before_request
        def follow_rebuilds():
            """Link the files of the build on disk, if a build replaced it since the last request."""
            if request.endpoint not in assets.endpoints_without_assets:
                assets.follow_rebuilds()

        return

    # A page request rebuilds, never the making of the app: every command makes one, and a
    # `flask config` run with other settings (another theme) would switch the manifest that a
    # running server serves.

    @app.before_request
    def rebuild_changed_assets():
        """Rebuild what changed before a page; a failed build is the answer instead of the page."""
        if request.endpoint in assets.endpoints_without_assets:
            return
        assets.rebuild_if_changed()
        if assets.build_error:
            raise assets.build_error

    app.register_error_handler(AssetBuildError, render_build_error)
