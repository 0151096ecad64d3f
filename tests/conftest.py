"""Fixtures: a fresh app and database per test, its clients; helpers that act like a browser are in helpers.py."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from messageboard import create_app, store
from messageboard.auth.editors import add_editor
from messageboard.core import PROJECT_ROOT
from messageboard.extensions import db
from tests.databases import PostgresTestDatabase
from tests.helpers import ADA_PASSWORD, PUBLIC_CONFIGS, TEST_CLIENT_HOST, clean_environment

# Hypothesis profiles (tests/test_properties.py), chosen by HYPOTHESIS_PROFILE, else "ci" where CI
# is set, else "dev":
# - dev: new random examples on every run, so each run on a laptop explores further; an example
#   that fails is saved in .hypothesis/ (git-ignored) and tried first on the next runs until it passes.
# - ci (.ci/run sets it): the same examples on every run (derandomize: drawn from a seed fixed per
#   test) and nothing saved, so a red build is never a new example drawn by chance and is reproduced
#   anywhere with HYPOTHESIS_PROFILE=ci. Exploring is left to dev runs and to explore.
# - explore: ten times the examples, for a deliberate search.
# No deadline anywhere: an example is several requests, whose time varies on a busy machine.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_configure(config):
    """Build the css and js bundles once, before any test (and before xdist starts workers)."""
    if hasattr(config, "workerinput"):
        return
    with tempfile.TemporaryDirectory() as instance:
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "messageboard", "assets", "build"],
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
            env={**clean_environment(), "MESSAGEBOARD_CONFIG": "testing", "MESSAGEBOARD_INSTANCE_PATH": instance},
        )


DATABASES = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """Run tests marked ``both_databases`` once per database, where they use one."""
    if metafunc.definition.get_closest_marker("both_databases") and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresTestDatabase]:
    """A PostgreSQL database of this test run's own (one per xdist worker), dropped at the end."""
    database = PostgresTestDatabase()
    yield database
    database.close()


@pytest.fixture
def database_url(request) -> Iterator[str | None]:
    """The database a test's apps use: None for an SQLite file in the instance folder (unless the
    test is parametrized by ``both_databases``), else a fresh PostgreSQL schema's URL."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    with request.getfixturevalue("postgres").schema() as url:
        yield url


@pytest.fixture
def make_app(tmp_path, monkeypatch, database_url):
    """Return a factory of apps on their own instance folder and database, clear of the caller's
    environment, the schema created as `flask db init` creates it (unless ``init_database=False``);
    their connections are closed after the test."""
    for name in set(os.environ) - set(clean_environment()):
        monkeypatch.delenv(name)
    made = []

    def factory(config="testing", *, init_database: bool = True, **overrides):
        if database_url is not None:
            overrides.setdefault("DATABASE_URL", database_url)
        if config in PUBLIC_CONFIGS:
            overrides.setdefault("TRUSTED_HOSTS", [TEST_CLIENT_HOST])
        made.append(create_app(config, instance_path=tmp_path / "instance", **overrides))
        if init_database:
            with made[-1].app_context():
                store.upgrade_schema()
        return made[-1]

    yield factory
    for app in made:
        db.close(app)


@pytest.fixture
def app(make_app):
    """A testing app with a fresh database: an SQLite file in a temporary instance folder, or a
    PostgreSQL schema of its own."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client that keeps cookies, like a browser."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def guide_app(make_app):
    """A testing app with the styleguide on, sharing the test run's asset build."""
    return make_app(STYLEGUIDE=True)


@pytest.fixture
def dev_site(tmp_path) -> dict:
    """Settings for a development app on copies of the static sources, with an empty theme folder."""
    shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")
    (tmp_path / "theme" / "templates").mkdir(parents=True)
    return {
        "STATIC_FOLDER": str(tmp_path / "static"),
        "ASSETS_BUILD_FOLDER": str(tmp_path / "build"),
        "THEME_FOLDER": str(tmp_path / "theme"),
    }


@pytest.fixture
def dev_app(make_app, dev_site):
    """A development app (live reload on) on copies of the static sources; its file watcher stopped after."""
    app = make_app("development", **dev_site)
    yield app
    app.extensions["messageboard.live_reload"].stop()


@pytest.fixture
def root() -> Path:
    """The project folder."""
    return PROJECT_ROOT


@pytest.fixture
def locked_app(make_app):
    """A testing app where editing needs a login, with one editor, ada, whose password is ADA_PASSWORD."""
    app = make_app(ANONYMOUS_EDITING=False)
    with app.app_context():
        add_editor("ada", ADA_PASSWORD)
    return app


@pytest.fixture
def site_app(make_app, tmp_path):
    """A site with five messages, two a page, and a build folder of its own."""
    shutil.copytree(PROJECT_ROOT / "static", tmp_path / "static")
    app = make_app(
        MESSAGES_PER_PAGE=2,
        STATIC_FOLDER=str(tmp_path / "static"),
        ASSETS_BUILD_FOLDER=str(tmp_path / "build"),
        ASSETS_AUTO_BUILD=True,
    )
    with app.app_context():
        store.add_many(
            [("alpha", "First <b>message</b>"), ("beta", "Second\nline"), ("gamma", "Third"), ("zeta.1", "Last one")]
        )
    return app
