"""Helpers the tests share: parsing pages, filling forms as a browser does, and a clean environment."""

from __future__ import annotations

import os

import yaml
from bs4 import BeautifulSoup

from messageboard.core import PROJECT_ROOT

# The password of the editor ada whom the locked_app fixture adds.
ADA_PASSWORD = "correct horse battery"

STYLEGUIDE_FIXTURES = PROJECT_ROOT / "messageboard" / "styleguide" / "fixtures.yml"


def clean_environment() -> dict[str, str]:
    """Return this process's environment without any MESSAGEBOARD_ setting."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MESSAGEBOARD_")}


# The settings classes that refuse to start without TRUSTED_HOSTS, and the hosts the tests' own servers
# and Flask's test client ("localhost") are asked by.
PUBLIC_CONFIGS = frozenset({"staging", "production"})
TEST_CLIENT_HOST = "localhost"
LOCAL_HOSTS = "127.0.0.1,localhost"


def public_site_environment(**settings: str) -> dict[str, str]:
    """Return a clean environment in which a Staging or Production site may start on this machine:
    ``TRUSTED_HOSTS`` names 127.0.0.1 and localhost, as `make run` sets it; ``settings`` come last."""
    return {**clean_environment(), "MESSAGEBOARD_TRUSTED_HOSTS": LOCAL_HOSTS, **settings}


def production_site(folder, **settings: str) -> dict[str, str]:
    """Return the environment of a Production site whose home and instance folder (so its SQLite
    file) are in ``folder``, with a secret of its own; ``settings`` come last."""
    return {
        "HOME": str(folder / "home"),
        "MESSAGEBOARD_CONFIG": "production",
        "MESSAGEBOARD_SECRET_KEY": f"test-secret-{os.urandom(8).hex()}",
        "MESSAGEBOARD_INSTANCE_PATH": str(folder / "instance"),
        **settings,
    }


def settings_for(instance_path, environ=None, config=None, **overrides):
    """Resolve settings with ``instance_path`` as instance folder and only ``environ`` as environment."""
    from messageboard.settings import load_settings

    return load_settings(config, instance_path=instance_path, overrides=overrides, environ=environ or {})


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
