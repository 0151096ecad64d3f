"""The asset pipeline: bundles declared in assets.yml, built by webassets through Flask-Assets."""

from pathlib import Path

from flask import Flask
from flask_assets import Environment
from webassets.ext.jinja2 import AssetsExtension

from messageboard.settings import PROJECT_ROOT

ASSETS_FILE = PROJECT_ROOT / "assets.yml"


class PrebuiltAssetsExtension(AssetsExtension):
    """``{% assets %}`` that works out each bundle's URLs once where bundles are built ahead of time.

    The stock tag hashes every bundle file again on each render (for its SRI value); with
    ``ASSETS_AUTO_BUILD`` off the files cannot change while the app runs, so once is enough.
    """

    def __init__(self, environment):
        super().__init__(environment)
        self._urls_by_tag = {}

    def _render_assets(self, filter, output, dbg, depends, files, caller=None):
        env = self.environment.assets_environment
        if env is None or env.auto_build:
            return super()._render_assets(filter, output, dbg, depends, files, caller)
        tag = repr((filter, output, dbg, depends, files))
        if tag not in self._urls_by_tag:
            bundle = self.BundleClass(*self.resolve_contents(files, env), output=output, filters=filter,
                                      debug=dbg, depends=depends)
            with bundle.bind(env):
                self._urls_by_tag[tag] = (bundle.urls(calculate_sri=True), bundle.extra)
        urls, extra = self._urls_by_tag[tag]
        return "".join(caller(url["uri"], url.get("sri"), extra) if isinstance(url, dict)
                       else caller(url, None, extra) for url in urls)


def init_assets(app: Flask) -> Environment:
    """Give the app its own assets environment with the bundles from assets.yml."""
    # One environment per app rather than a shared one in extensions.py: its bundles resolve
    # against that app's static folder, which differs between apps (tests make several).
    if "ASSETS_CACHE" not in app.config:  # webassets' default cache is inside the public folder
        cache = Path(app.instance_path) / "webassets-cache"
        cache.mkdir(parents=True, exist_ok=True)
        app.config["ASSETS_CACHE"] = str(cache)
    environment = Environment(app)
    environment.from_yaml(str(ASSETS_FILE))
    del app.jinja_env.extensions[AssetsExtension.identifier]
    app.jinja_env.add_extension(PrebuiltAssetsExtension)
    return environment
