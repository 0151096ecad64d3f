"""Library behaviours the site relies on through private or undocumented APIs, each pinned by one test.

An upgrade that changes one fails here, under a name saying which; each use in the code names its
test (``# pinned by tests/test_library_contracts.py::...``). The tests use small apps of their own,
not the site, so that a failure points at the library.
"""

from __future__ import annotations

import gzip
import io
from contextlib import contextmanager
from pathlib import Path

import click
import flask_assets
import pytest
from flask import Flask, current_app, g, session
from flask.cli import FlaskGroup
from flask_login import LoginManager, UserMixin, current_user
from jinja2 import Environment, FileSystemLoader, TemplateSyntaxError
from webassets import Bundle
from webassets import Environment as WebassetsEnvironment
from webassets.exceptions import BundleError
from webassets.ext.jinja2 import AssetsExtension
from webassets.filter import Filter
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response
from whitenoise import WhiteNoise
from whitenoise.responders import StaticFile

# --- Flask-Assets: `flask assets build` and `flask assets clean` -----------------------------------------


class RecordingBundle:
    """Stands in for a bundle: records how Flask-Assets' commands use it."""

    is_container = False
    output = "everything"

    def __init__(self, output_path: Path | None = None, failure: Exception | None = None):
        self.output_path = output_path
        self.failure = failure
        self.calls = []

    @contextmanager
    def bind(self, environment):
        """Record the environment bound."""
        self.calls.append(("bind", environment))
        yield

    def build(self, force=None, output=None, disable_cache=None):
        """Record the build, or raise the failure given."""
        self.calls.append(("build", force))
        if self.failure:
            raise self.failure

    def resolve_output(self, environment=None) -> str:
        """The file the clean command is to remove."""
        return str(self.output_path)


class OneBundleEnvironment(flask_assets.Environment):
    """A Flask-Assets environment that yields one given bundle, as SiteAssets yields its pipeline."""

    def __init__(self, app: Flask, bundle: RecordingBundle):
        super().__init__(app)
        self.bundle = bundle

    def __iter__(self):
        """Yield the one bundle."""
        return iter([self.bundle])


def run_flask_command(app: Flask, *args: str) -> click.testing.Result:
    """Run ``flask <args>`` for ``app`` as the flask command does, plugin commands included."""
    return app.test_cli_runner().invoke(FlaskGroup(load_dotenv=False), list(args))


@pytest.fixture
def assets_app() -> Flask:
    """An app with Flask-Assets' file cache off, as the site has it."""
    app = Flask(__name__)
    app.config["ASSETS_CACHE"] = False
    return app


def test_flask_assets_build_command_iterates_the_environment(assets_app):
    bundle = RecordingBundle()
    environment = OneBundleEnvironment(assets_app, bundle)
    result = run_flask_command(assets_app, "assets", "build")
    assert result.exit_code == 0, result.output
    assert bundle.calls == [("bind", environment), ("build", True)]


def test_flask_assets_build_command_ends_with_a_click_exception(assets_app):
    """webassets' build command catches only its BuildError, so a ClickException ends the command."""
    OneBundleEnvironment(assets_app, RecordingBundle(failure=click.ClickException("the build broke")))
    result = run_flask_command(assets_app, "assets", "build")
    assert result.exit_code == 1
    assert "Error: the build broke" in result.output


def test_flask_assets_clean_command_removes_each_bundles_output(assets_app, tmp_path):
    built = tmp_path / "manifest.json"
    built.write_text("{}")
    OneBundleEnvironment(assets_app, RecordingBundle(output_path=built))
    result = run_flask_command(assets_app, "assets", "clean")
    assert result.exit_code == 0, result.output
    assert not built.exists()


def test_flask_assets_adds_the_webassets_tag_under_its_identifier():
    """Flask-Assets adds webassets' {% assets %} tag; deleting it by its identifier removes the tag."""
    app = Flask(__name__)
    environment = flask_assets.Environment(app)
    assert app.jinja_env.assets_environment is environment
    assert isinstance(app.jinja_env.extensions[AssetsExtension.identifier], AssetsExtension)
    del app.jinja_env.extensions[AssetsExtension.identifier]
    with pytest.raises(TemplateSyntaxError, match="unknown tag 'assets'"):
        app.jinja_env.from_string('{% assets "bundle" %}{{ ASSET_URL }}{% endassets %}')


# --- webassets: building a bundle of assets.yml ---------------------------------------------------------


class ShoutingFilter(Filter):
    """Upper-cases its input, and records the folder its context names, as Dart Sass reads it."""

    name = "contract_shouting"

    def __init__(self, seen: list[str]):
        super().__init__()
        self.seen = seen

    def input(self, _in, out, **kwargs):
        """Upper-case the source."""
        self.seen.append(self.ctx.directory)
        out.write(_in.read().upper())


def test_webassets_bundle_bound_to_an_environment_builds_into_a_stream(tmp_path):
    """A bundle of no environment (as YAMLLoader gives them) builds once bound, its filters seeing the
    environment's directory as ``self.ctx.directory``, into the stream given and no file."""
    (tmp_path / "a.js").write_text("call();")
    seen = []
    bundle = Bundle("a.js", filters=[ShoutingFilter(seen)], output="gen/a.js")
    with pytest.raises(BundleError):
        bundle.env  # noqa: B018 - a property: reading it is the check
    environment = WebassetsEnvironment(str(tmp_path), "/static", cache=False, manifest=False)
    buffer = io.StringIO()
    with bundle.bind(environment):
        bundle.build(force=True, output=buffer)
    assert buffer.getvalue() == "CALL();"
    assert seen == [str(tmp_path)]
    assert not (tmp_path / "gen").exists()


# --- WhiteNoise: answering small files from memory ------------------------------------------------------


def not_found(environ, start_response):
    """The app behind WhiteNoise: every request it passes on is a 404."""
    return Response("not found", status=404)(environ, start_response)


class RecordingWhiteNoise(WhiteNoise):
    """WhiteNoise that records each file it is asked to serve."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served = []

    def serve(self, static_file, environ, start_response):
        """Record the file, then serve it as WhiteNoise does."""
        self.served.append(static_file)
        return super().serve(static_file, environ, start_response)


def fetch(client: Client, url: str) -> Response:
    """GET a URL, read the whole response and close it."""
    with client.get(url) as response:
        response.get_data()
        return response


def served_file(root: Path, url: str) -> StaticFile:
    """The StaticFile WhiteNoise serves ``url`` with, from files under ``root`` at /static."""
    noise = RecordingWhiteNoise(not_found, root=str(root), prefix="/static")
    assert fetch(Client(noise), url).status_code == 200
    (static_file,) = noise.served
    return static_file


def test_whitenoise_answers_each_file_through_serve(tmp_path):
    (tmp_path / "a.txt").write_text("hello")
    noise = RecordingWhiteNoise(not_found, root=str(tmp_path), prefix="/static")
    client = Client(noise)
    assert fetch(client, "/static/a.txt").data == b"hello"
    assert fetch(client, "/static/missing.txt").status_code == 404
    assert [type(served) for served in noise.served] == [StaticFile]
    assert WhiteNoise(not_found, autorefresh=True).autorefresh is True
    assert WhiteNoise(not_found).autorefresh is False


def test_whitenoise_static_file_exposes_get_path_and_headers_and_is_not_modified(tmp_path):
    css = tmp_path / "a.css"
    css.write_text("body { color: red; }\n" * 100)
    Path(f"{css}.gz").write_bytes(gzip.compress(css.read_bytes()))
    static_file = served_file(tmp_path, "/static/a.css")

    path, headers = static_file.get_path_and_headers({"HTTP_ACCEPT_ENCODING": "gzip"})
    assert path == f"{css}.gz"
    assert dict(headers)["Content-Encoding"] == "gzip"
    assert dict(headers)["Content-Length"] == str(Path(path).stat().st_size)
    path, headers = static_file.get_path_and_headers({})
    assert path == str(css)
    assert dict(headers)["Content-Length"] == str(css.stat().st_size)
    assert dict(headers)["Content-Type"].startswith("text/css")

    assert static_file.is_not_modified({"HTTP_IF_NONE_MATCH": dict(headers)["ETag"]})
    assert not static_file.is_not_modified({"HTTP_IF_NONE_MATCH": '"another"'})
    assert not static_file.is_not_modified({})


# --- Flask-Login: the user of a request ------------------------------------------------------------------


class Editor(UserMixin):
    """A user the loader gives."""

    def __init__(self, user_id: str):
        self.id = user_id


def test_flask_login_keeps_the_loaded_user_in_g__login_user():
    """Flask-Login keeps the request's user in g._login_user; one set there is current_user, and the
    user loader is not called."""
    app = Flask(__name__)
    app.secret_key = "contract-test"
    manager = LoginManager(app)
    loaded = []

    @manager.user_loader
    def load_user(user_id):
        """Load any id, recording it."""
        loaded.append(user_id)
        return Editor(user_id)

    with app.test_request_context():
        session["_user_id"] = "1"
        assert current_user.id == "1"
        assert g._login_user is current_user._get_current_object()
    assert loaded == ["1"]

    with app.test_request_context():
        session["_user_id"] = "1"
        g._login_user = manager.anonymous_user()
        assert current_user.is_anonymous
    assert loaded == ["1"]


# --- Jinja: templates found again after a theme adds one -------------------------------------------------


def test_jinja_environment_cache_can_be_cleared(tmp_path):
    """A cached template is re-read only when its own file changes, so a theme's new file of the same
    name goes unseen until ``Environment.cache`` is cleared."""
    theme, built_in = tmp_path / "theme", tmp_path / "templates"
    theme.mkdir()
    built_in.mkdir()
    (built_in / "page.html").write_text("built-in")
    environment = Environment(loader=FileSystemLoader([theme, built_in]), auto_reload=True)
    assert environment.get_template("page.html").render() == "built-in"
    (theme / "page.html").write_text("theme")
    assert environment.get_template("page.html").render() == "built-in"
    environment.cache.clear()
    assert environment.get_template("page.html").render() == "theme"


# --- werkzeug and Flask: checking a form before anything reads it ----------------------------------------


def form_request(**options) -> Request:
    """A werkzeug POST request, its form made by EnvironBuilder from ``options`` (url-encoded by default)."""
    return Request(EnvironBuilder(method="POST", **options).get_environ())


def test_werkzeug_parses_the_form_from_data_get_data_kept():
    request = form_request(data={"key": "value", "text": "café"})
    raw = request.get_data(parse_form_data=False)
    assert raw == b"key=value&text=caf%C3%A9"
    assert request.form.to_dict() == {"key": "value", "text": "café"}
    assert request.get_data() == raw


@pytest.mark.parametrize("limit", ["max_form_parts", "max_form_memory_size"])
def test_werkzeug_raises_its_bare_413_for_each_form_limit(limit):
    """The same error, with werkzeug's own description, for either multipart limit: the site names which."""
    request = form_request(data={"key": "value", "text": "x" * 100}, content_type="multipart/form-data")
    setattr(request, limit, 1)
    request.get_data(parse_form_data=False)
    with pytest.raises(RequestEntityTooLarge) as error:
        request.form  # noqa: B018 - a property: reading it parses the form
    assert error.value.description == RequestEntityTooLarge.description


def test_flask_runs_before_request_functions_in_the_order_registered():
    app = Flask(__name__)
    ran = []
    app.before_request(lambda: ran.append("first"))
    app.before_request(lambda: ran.append("second"))
    app.add_url_rule("/", "index", lambda: "page")
    assert app.test_client().get("/").status_code == 200
    assert ran == ["first", "second"]


def test_flask_current_app_gives_the_app_itself_through_get_current_object():
    """messageboard/export/commands.py hands the real app (not the proxy) to the export's worker processes."""
    app = Flask(__name__)
    with app.app_context():
        assert current_app._get_current_object() is app
