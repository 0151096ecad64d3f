"""The ``{% assets %}`` template tag: the hashed URL of each bundle of assets.yml it names."""

from __future__ import annotations

from flask import request, url_for
from jinja2 import nodes
from jinja2.ext import Extension

from messageboard.assets.tools import AssetBuildError

# The options webassets' own tag of this name takes; refused here, where bundles are declared in assets.yml.
WEBASSETS_OPTIONS = frozenset({"filters", "filter", "output", "debug", "depends"})


class AssetsTag(Extension):
    """``{% assets "name", ... %}…{{ ASSET_URL }}…{% endassets %}``: the body once per bundle named,
    given the bundle's hashed URL (``ASSET_URL``) and its extra values (``EXTRA``)."""

    tags = {"assets"}

    def __init__(self, environment):
        super().__init__(environment)
        # The app's SiteAssets, which init_assets sets.
        environment.extend(site_assets=None)
        self._urls: dict[tuple[str, str], str] = {}

    def parse(self, parser) -> nodes.CallBlock:
        """Parse the bundle names (a list or tuple counts as its items), any options and the body."""
        lineno = next(parser.stream).lineno
        names, options = [], []
        first = True
        while parser.stream.current.type != "block_end":
            if not first:
                parser.stream.expect("comma")
            first = False
            if parser.stream.current.test("name") and parser.stream.look().test("assign"):
                option = next(parser.stream).value
                if option not in WEBASSETS_OPTIONS:
                    parser.fail(f"Invalid keyword argument: {option}")
                parser.stream.skip()
                options.append(parser.parse_expression())
            else:
                expression = parser.parse_expression()
                if isinstance(expression, (nodes.List, nodes.Tuple)):
                    names.extend(expression.iter_child_nodes())
                else:
                    names.append(expression)
        body = parser.parse_statements(("name:endassets",), drop_needle=True)
        call = self.call_method("render", [nodes.List(names), nodes.List(options)])
        return nodes.CallBlock(
            call, [nodes.Name("ASSET_URL", "param"), nodes.Name("EXTRA", "param")], [], body
        ).set_lineno(lineno)

    def render(self, names: list[str], options: list, caller) -> str:
        """The tag's body once for each bundle named; an option (a webassets bundle made in the
        template) raises AssetBuildError."""
        if any(options):
            raise AssetBuildError("{% assets %} takes only bundle names; declare bundles in assets.yml")
        assets = self.environment.site_assets
        bundles = [assets.bundles[name] for name in names]
        return "".join(caller(self._url(assets, bundle), bundle.extra) for bundle in bundles)

    def _url(self, assets, bundle) -> str:
        """The bundle's hashed URL; worked out once per build and path prefix where nothing rebuilds."""
        if assets.auto_build:
            return url_for("static", filename=bundle.output)
        # Keyed by the hashed name too: a build made while serving replaces it (SiteAssets.follow_rebuilds).
        key = (request.script_root, assets.published.hashed(bundle.output))
        if key not in self._urls:
            self._urls[key] = url_for("static", filename=bundle.output)
        return self._urls[key]
