"""The original program's plain-text routes: /hello, /show/<key> and /add/<key>/<message>."""

import pytest

from messageboard import store

pytestmark = pytest.mark.both_databases


def test_hello_answers_the_default_message_as_plain_text(client):
    response = client.get("/hello")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "Hello to the World of Flask!"


def test_hello_follows_edits_of_the_default_message(app, client):
    with app.app_context():
        store.put_message("default", "Changed greeting")
    assert client.get("/hello").get_data(as_text=True) == "Changed greeting"


def test_show_answers_the_text_or_not_found_with_404(client):
    assert client.get("/show/default").get_data(as_text=True) == "Hello to the World of Flask!"
    missing = client.get("/show/nothing")
    assert (missing.status_code, missing.mimetype) == (404, "text/plain")
    assert missing.get_data(as_text=True) == "nothing not found!"


def test_show_never_interprets_markup(client):
    client.get("/add/x/%3Cimg%20src=x%20onerror=alert(1)%3E")
    response = client.get("/show/x")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == "<img src=x onerror=alert(1)>"


def test_add_stores_then_replaces(app, client):
    first = client.get("/add/greet/Hi%20there")
    assert (first.status_code, first.get_data(as_text=True)) == (200, "greet Added/Updated")
    assert client.get("/show/greet").get_data(as_text=True) == "Hi there"
    client.get("/add/greet/Bye")
    with app.app_context():
        message = store.get_message("greet")
        assert (message.text, message.version) == ("Bye", 2)
        assert store.list_messages().total == 2


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/add/bad%20key/text", "Key may use only a-z, A-Z, 0-9, '-', '_' and '.' (no accents or spaces), not ' '."),
        ("/add/new/text", "Key 'new' is reserved by the site; choose another."),
        ("/add/" + "k" * 65 + "/text", "Key is 65 characters long; the limit is 64."),
        ("/add/ok/%20%20", "Text is required."),
        (
            "/add/ok/a%07b",
            "Text contains the control character U+0007 at position 2; only line breaks and tabs are allowed.",
        ),
        ("/add/ok/" + "x" * 10_001, "Text is 10,001 characters long; the limit is 10,000."),
    ],
)
def test_add_rejects_bad_input_with_a_400_sentence(app, client, url, problem):
    response = client.get(url)
    assert (response.status_code, response.mimetype) == (400, "text/plain")
    assert response.get_data(as_text=True) == problem
    with app.app_context():
        assert store.list_messages().total == 1


@pytest.mark.parametrize("config", ["production", "staging"])
def test_add_is_off_outside_development_and_testing(make_app, config):
    client = make_app(config, SECRET_KEY="a-real-secret").test_client()
    response = client.get("/add/k/v")
    assert response.status_code == 405
    assert response.headers["Allow"] == ""
    assert "LEGACY_GET_WRITES" in response.get_data(as_text=True)
    assert client.get("/show/k").status_code == 404


def test_add_can_be_switched_on_in_production(make_app):
    client = make_app(
        "production", SECRET_KEY="a-real-secret", LEGACY_GET_WRITES=True, ANONYMOUS_EDITING=True
    ).test_client()
    assert client.get("/add/k/v").get_data(as_text=True) == "k Added/Updated"
    assert client.get("/show/k").get_data(as_text=True) == "v"


@pytest.mark.parametrize("config", ["development", "testing"])
def test_add_is_on_in_development_and_testing(make_app, config):
    assert make_app(config).test_client().get("/add/k/v").status_code == 200
