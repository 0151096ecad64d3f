"""Fixtures: a fresh app and database per test, its clients, and helpers that act like a browser."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from hypothesis import settings

from messageboard import create_app, store
from messageboard.extensions import db
from messageboard.core import PROJECT_ROOT
from tests.databases import PostgresTestDatabase

STYLEGUIDE_FIXTURES = PROJECT_ROOT / "messageboard" / "styleguide" / "fixtures.yml"

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
        subprocess.run([sys.executable, "-m", "flask", "--app", "messageboard", "assets", "build"],
                       cwd=PROJECT_ROOT, check=True, capture_output=True,
                       env={**clean_environment(), "MESSAGEBOARD_CONFIG": "testing",
                            "MESSAGEBOARD_INSTANCE_PATH": instance})


def clean_environment() -> dict[str, str]:
    """Return this process's environment without any MESSAGEBOARD_ setting."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MESSAGEBOARD_")}


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
        made.append(create_app(config, instance_path=tmp_path / "instance", **overrides))
        if init_database:
            with made[-1].app_context():
                store.create_schema()
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


def parse(response) -> BeautifulSoup:
    """Parse a response's HTML."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def styleguide_fixtures() -> dict:
    """The styleguide's fixtures file as plain YAML: read apart from the styleguide, so a state it drops shows."""
    return yaml.safe_load(STYLEGUIDE_FIXTURES.read_text(encoding="utf-8"))


def assert_no_inline_code(page: BeautifulSoup) -> None:
    """Assert that a parsed page has no inline script or style: no <style>, style="" or on...="" either."""
    assert page.select("style") == []
    assert [script for script in page.select("script") if not script.get("src")] == []
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not [name for name in element.attrs if name.startswith("on")], element


def form_fields(form) -> dict[str, str]:
    """Return what a browser would submit from ``form`` untouched: inputs and textareas."""
    fields = {field["name"]: field.get("value", "") for field in form.select("input[name]")}
    for area in form.select("textarea[name]"):
        # Browsers drop the one line break (CRLF, LF or CR) that may open a textarea's content.
        text = area.get_text()
        fields[area["name"]] = text[2:] if text.startswith("\r\n") else text[1:] if text[:1] in ("\r", "\n") else text
    return fields


def submit_form(client, page_url: str, changes: dict | None = None, *, form_index: int = 0):
    """Open ``page_url``, fill its POST form with ``changes`` and submit it; return the response."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    form = parse(page).select('main form[method="post"]')[form_index]
    return client.post(form["action"], data={**form_fields(form), **(changes or {})})


def add_message(client, key: str, text: str):
    """Add a message through the add form, asserting that it was saved."""
    response = submit_form(client, "/messages/new", {"key": key, "text": text})
    assert response.status_code == 303, parse(response).select(".errors")
    return response


@pytest.fixture
def root() -> Path:
    """The project folder."""
    return PROJECT_ROOT
