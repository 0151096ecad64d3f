"""The styleguide's pages: an index of every state and macro, and each state as its full page."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, render_template, request

from messageboard.core import ConfigError, project_path, shown_path, static_folder_path
from messageboard.http_security import content_security_policy
from messageboard.render_mode import render_mode, set_render_mode
from messageboard.styleguide.fixtures import Fixtures, load_fixtures, modified
from messageboard.styleguide.states import PAGES, render_macro
from messageboard.styleguide.tokens import design_tokens

URL_PREFIX = "/_styleguide"
_EXTENSION_KEY = "messageboard.styleguide"

bp = Blueprint("styleguide", __name__, url_prefix=URL_PREFIX)


@bp.record_once
def load_on_start(state) -> None:
    """Read the fixtures when the styleguide is mounted, so a bad file stops the start."""
    app: Flask = state.app
    app.extensions[_EXTENSION_KEY] = load_fixtures(project_path(app.config["STYLEGUIDE_FIXTURES"]), app.jinja_env)


def fixtures(app: Flask | None = None) -> Fixtures:
    """The fixtures, read again if the file changed since (designers add states while the server runs)."""
    app = app or current_app
    loaded: Fixtures = app.extensions[_EXTENSION_KEY]
    if modified(loaded.path) != loaded.modified:
        loaded = app.extensions[_EXTENSION_KEY] = load_fixtures(loaded.path, app.jinja_env)
    return loaded


@bp.before_request
def preview_mode() -> None:
    """Styleguide pages look as they do live, even exported, and neither show nor take the visitor's flashes."""
    set_render_mode(render_mode().previewing())


@bp.get("/")
def index():
    """Every state, grouped by template and linked, and every macro rendered in each of its states."""
    loaded = fixtures()
    macros = [
        (macro, [(call, render_macro(macro, number, loaded.states)) for number, call in enumerate(macro.states)])
        for macro in loaded.macros
    ]
    return render_template("styleguide/index.html", groups=loaded.by_template(), macros=macros)


@bp.get("/tokens")
def tokens():
    """The design tokens: colour swatches with their contrast, the type scale, the spacing scale, the radii."""
    return render_template("styleguide/tokens.html", groups=design_tokens(static_folder_path(current_app.config)))


# The viewport switcher's widths (a phone, a tablet, a laptop), and the schemes a state can be shown in.
VIEWPORT_WIDTHS = (375, 768, 1280)
COLOR_SCHEMES = ("light", "dark")


def _choice(name: str, choices: tuple, default=None):
    """The query argument ``name``, one of ``choices`` (``default`` if absent), or a 400 naming them."""
    value = request.args.get(name)
    if value is None:
        return default
    for choice in choices:
        if value == str(choice):
            return choice
    abort(400, description=f"{name} must be one of {', '.join(map(str, choices))}, not {value!r}.")


@bp.get("/<name>/viewports")
def viewports(name: str):
    """One state framed at a phone's, a tablet's or a laptop's width, light or dark (?width=, ?scheme=)."""
    chosen = fixtures().states.get(name) or abort(404)
    width = _choice("width", VIEWPORT_WIDTHS, VIEWPORT_WIDTHS[0])
    scheme = _choice("scheme", COLOR_SCHEMES, COLOR_SCHEMES[0])
    return render_template(
        "styleguide/viewports.html",
        state=chosen,
        width=width,
        scheme=scheme,
        widths=VIEWPORT_WIDTHS,
        schemes=COLOR_SCHEMES,
    )


@bp.get("/<name>")
def state(name: str):
    """One state as its full page, answering 200 (it is a preview) whatever status the real page answers;
    ``?scheme=light`` or ``dark`` shows it in that scheme whatever the visitor chose."""
    loaded = fixtures()
    chosen = loaded.states.get(name) or abort(404)
    scheme = _choice("scheme", COLOR_SCHEMES)
    # Its own look (the export's, if it says so) and flashes, as if just flashed, without the session.
    mode = render_mode().previewing(chosen, read_only=chosen.static_export, flashes=chosen.flashes, color_scheme=scheme)
    set_render_mode(mode)
    response = current_app.make_response(PAGES[chosen.template].render(chosen.data))
    # The viewport switcher frames state pages; only the site's own pages may.
    response.headers["Content-Security-Policy"] = content_security_policy(frame_ancestors="'self'")
    if response.status_code != chosen.status:
        raise ConfigError(
            f"{shown_path(loaded.path)}: state {name!r} says the real page answers {chosen.status}, "
            f"but it answers {response.status_code}: correct its status"
        )
    response.status_code = 200
    return response
