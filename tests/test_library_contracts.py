"""Library behaviours the site relies on through private or undocumented APIs, each pinned by one test.

An upgrade that changes one fails here, under a name saying which; each use in the code names its
test (``# pinned by tests/test_library_contracts.py::...``). The tests use small apps of their own,
not the site, so that a failure points at the library.
"""

from __future__ import annotations

import copy
import gzip
import io
import os
import traceback
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
from webassets.exceptions import BuildError, BundleError
from webassets.ext.jinja2 import AssetsExtension
from webassets.filter import Filter
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request, Response
from whitenoise import WhiteNoise
from whitenoise.responders import StaticFile

# --- Flask-Assets: `flask assets build`, `watch` and `clean` -----------------------------------------------


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


class ManyBundlesEnvironment(flask_assets.Environment):
    """A Flask-Assets environment that yields the bundles given, recording the command running each time."""

    def __init__(self, app: Flask, bundles: list):
        super().__init__(app)
        self.bundles = bundles
        self.commands = []

    def __iter__(self):
        """Yield the bundles, noting the click command whose context this runs in."""
        self.commands.append(click.get_current_context().command)
        return iter(self.bundles)

    def __len__(self) -> int:
        """How many bundles there are, as SiteAssets says."""
        return len(self.bundles)


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
    """Each bundle's resolve_output() is deleted where it exists and named by its output, in order."""
    built = [tmp_path / "manifest.json", tmp_path / "public" / "a.css"]
    built[1].parent.mkdir()
    for path in built:
        path.write_text("built")
    bundles = [RecordingBundle(output_path=path) for path in [*built, tmp_path / "gone.css"]]
    for bundle, name in zip(bundles, ["the manifest", "a.css", "gone.css"], strict=True):
        bundle.output = name
    ManyBundlesEnvironment(assets_app, bundles)
    result = run_flask_command(assets_app, "assets", "clean")
    assert result.exit_code == 0, result.output
    assert not any(path.exists() for path in built)
    assert "Deleted asset: the manifest\nDeleted asset: a.css\n" in result.output
    assert "gone.css" not in result.output


class InterruptingBundle(RecordingBundle):
    """A bundle whose build ends a watch as Ctrl-C does."""

    def build(self, force=None, output=None, disable_cache=None):
        """Record the build, then stop."""
        self.calls.append(("build", force))
        raise KeyboardInterrupt


@pytest.mark.parametrize(
    ("command", "bundle_class"), [("build", RecordingBundle), ("clean", RecordingBundle), ("watch", InterruptingBundle)]
)
def test_flask_assets_commands_iterate_the_environment_in_their_own_context(
    assets_app, tmp_path, command, bundle_class
):
    """Each command iterates the environment inside its own click context: the Command objects
    flask_assets exports as build, clean and watch."""
    environment = ManyBundlesEnvironment(assets_app, [bundle_class(output_path=tmp_path / "none")])
    result = run_flask_command(assets_app, "assets", command)
    assert result.exit_code == 0, result.output
    assert environment.commands and set(environment.commands) == {getattr(flask_assets, command)}


class WatchedBundle(RecordingBundle):
    """A bundle for webassets' watch loop: lists files, changes one at given looks, stops on a third build."""

    def __init__(self, environment, listed: list[list[Path]], touched_at: set[int]):
        super().__init__()
        self.env = environment
        self.listed, self.touched_at = listed, touched_at
        self.looks = 0

    def resolve_contents(self, ctx=None, force=False):
        """The files of this look, the first one's time moved forward at the looks named."""
        self.looks += 1
        files = self.listed[min(self.looks, len(self.listed)) - 1]
        if self.looks in self.touched_at:
            moved = files[0].stat().st_mtime + self.looks
            os.utime(files[0], (moved, moved))
        return [(path.name, str(path)) for path in files]

    def resolve_depends(self, ctx=None):
        """No more files."""
        return []

    def build(self, force=None, output=None, disable_cache=None):
        """Record the build: the second fails, the third ends the watch."""
        self.calls.append(("build", force))
        if len(self.calls) == 2:
            raise BuildError("the build broke")
        if len(self.calls) == 3:
            raise KeyboardInterrupt


def test_webassets_watch_rebuilds_a_bundle_whose_listed_file_changed(assets_app, tmp_path):
    """`flask assets watch` first builds each bundle with force=False (unguarded), then looks every
    so often at the files get_all_bundle_files lists (through bundle.env, resolve_contents and
    resolve_depends, asked anew at each look) and rebuilds with force=True a bundle whose listed
    file's time moved, printing a BuildError and watching on; a file newly listed is no change."""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("one")
    second.write_text("two")
    environment = ManyBundlesEnvironment(assets_app, [])
    # Looks: 1 the first list, 2 first.txt moved, 3 second.txt listed as well, 4 first.txt moved.
    bundle = WatchedBundle(environment, [[first], [first], [first, second]], touched_at={2, 4})
    environment.bundles.append(bundle)
    result = run_flask_command(assets_app, "assets", "watch")
    assert result.exit_code == 0, result.output
    assert bundle.calls == [("build", False), ("build", True), ("build", True)]
    assert bundle.looks == 4
    assert "Watching 1 bundles for changes..." in result.output
    assert "Building bundle: everything ... \nFailed: the build broke\n" in result.output


def test_webassets_raises_bundle_error_for_a_source_that_is_not_there(tmp_path):
    """A bundle naming a missing file raises BundleError, the parent of BuildError, not BuildError."""
    bundle = Bundle("missing.js", output="gen/a.js")
    environment = WebassetsEnvironment(str(tmp_path), "/static", cache=False, manifest=False)
    with pytest.raises(BundleError) as error, bundle.bind(environment):
        bundle.build(force=True, output=io.StringIO())
    assert not isinstance(error.value, BuildError)
    assert "missing.js" in str(error.value)


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


def test_whitenoise_indexes_a_folder_into_files_through_add_files(tmp_path):
    """A shallow copy with its own ``files`` indexes into that dict alone: the site swaps a fresh index in whole."""
    (tmp_path / "a.txt").write_text("hello")
    noise = WhiteNoise(not_found)
    index = copy.copy(noise)
    index.files = {}
    index.add_files(str(tmp_path), "/static/")
    assert noise.files == {}
    assert isinstance(index.files["/static/a.txt"], StaticFile)
    noise.files = index.files
    assert fetch(Client(noise), "/static/a.txt").data == b"hello"


def test_whitenoise_opens_a_file_before_starting_its_response(tmp_path):
    """A file deleted after it was indexed raises FileNotFoundError before start_response: the site can still 404."""
    (tmp_path / "a.txt").write_text("hello")
    noise = WhiteNoise(not_found, root=str(tmp_path), prefix="/static")
    (tmp_path / "a.txt").unlink()
    started = []
    environ = EnvironBuilder(path="/static/a.txt").get_environ()
    with pytest.raises(FileNotFoundError):
        noise(environ, lambda status, headers, exc_info=None: started.append(status))
    assert started == []


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


def test_jinja_tracebacks_name_the_template_file_and_line(tmp_path):
    """Jinja rewrites a template's frames in a traceback to the template's file and line, which
    errors._failing_template_line reads to say where a template failed while rendering."""
    (tmp_path / "page.html").write_text("one\n{{ missing.attribute }}\n")
    environment = Environment(loader=FileSystemLoader(tmp_path))
    try:
        environment.get_template("page.html").render()
    except Exception as error:  # noqa: BLE001 - the class is Jinja's, the frames are what is pinned
        frames = traceback.extract_tb(error.__traceback__)
    template_frames = [(frame.filename, frame.lineno) for frame in frames if frame.filename.endswith(".html")]
    assert template_frames[-1] == (str(tmp_path / "page.html"), 2)


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
