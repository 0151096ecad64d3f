"""CSRF, with protection on as in every environment: an unsafe request without a valid, fresh token changes nothing.

Every route that takes an unsafe method is found in the URL map, so a form route added later
(login and logout included) is covered without being listed here.
"""

from __future__ import annotations

import time

import pytest
from flask import url_for
from itsdangerous import TimestampSigner

from messageboard import store
from tests.helpers import add_message, form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MESSAGE_FORMS = {"messages.create", "messages.update", "messages.delete", "history.restore", "trash.restore"}
# What each route argument is filled with: the message, its first revision, and a deleted message's id.
ARGUMENTS = {"key": "victim", "number": 1, "message_id": 3}
NOT_SAVED = " The form was not saved: go back, reload the page and submit it again."


@pytest.fixture
def app(make_app):
    app = make_app()
    assert app.config["WTF_CSRF_ENABLED"] is True and app.config["WTF_CSRF_CHECK_DEFAULT"] is True
    with app.test_client() as client:
        add_message(client, "victim", "Original text.")
        add_message(client, "trashed-victim", "In the trash.")
        assert submit_form(client, "/messages/trashed-victim/delete").status_code == 303
    with app.app_context():
        assert store.get_trashed(ARGUMENTS["message_id"]).message.key == "trashed-victim"
    return app


def unsafe_routes(app) -> list[tuple[str, str, set[str]]]:
    """(endpoint, URL, methods) of every route taking an unsafe method, its arguments from ARGUMENTS."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.methods & set(UNSAFE_METHODS):
                url = url_for(rule.endpoint, **{name: ARGUMENTS[name] for name in rule.arguments})
                routes.append((rule.endpoint, url, set(rule.methods)))
    return routes


def stored(app) -> list[tuple[str, str]]:
    """Every key and revision: unchanged means nothing was added, edited or deleted."""
    with app.app_context():
        return store.revision_tokens()


def page_form(client, url: str = "/messages/new", **request) -> dict[str, str]:
    return form_fields(parse(client.get(url, **request)).select_one('main form[method="post"]'))


def tampered(client) -> str:
    token = page_form(client)["csrf_token"]
    return token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")


def from_another_session(client) -> str:
    return page_form(client.application.test_client())["csrf_token"]


def expired(client) -> str:
    """A token signed just over WTF_CSRF_TIME_LIMIT ago: the form was left open too long."""
    signed_at = int(time.time()) - client.application.config["WTF_CSRF_TIME_LIMIT"] - 60
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda signer: signed_at)
        return page_form(client)["csrf_token"]


TOKENS = {
    "missing": (lambda client: None, "The CSRF token is missing."),
    "empty": (lambda client: "", "The CSRF token is missing."),
    "garbage": (lambda client: "not-a-token", "The CSRF token is invalid."),
    "tampered": (tampered, "The CSRF token is invalid."),
    "another session's": (from_another_session, "The CSRF tokens do not match."),
    "expired": (expired, "The CSRF token has expired."),
}


def test_the_message_forms_are_among_the_unsafe_routes(app):
    assert MESSAGE_FORMS <= {endpoint for endpoint, _, _ in unsafe_routes(app)}


@pytest.mark.parametrize("token_case", TOKENS)
@pytest.mark.parametrize("method", UNSAFE_METHODS)
def test_an_unsafe_request_without_a_valid_token_changes_nothing(app, token_case, method):
    make_token, reason = TOKENS[token_case]
    client = app.test_client()
    revision = page_form(client, "/messages/victim/edit")["revision"]
    token = make_token(client)
    before = stored(app)
    for endpoint, url, methods in unsafe_routes(app):
        data = {
            "key": "fresh",
            "text": "Changed text.",
            "revision": revision,
            "username": "editor",
            "password": "a password",
        }
        if token is not None:
            data["csrf_token"] = token
        response = client.open(url, method=method, data=data)
        if method in methods:
            assert response.status_code == 400, (endpoint, method, response.status_code)
            page = parse(response)
            assert page.select_one("main h1").get_text() == "Bad Request"
            assert page.select_one(".error-description").get_text() == reason + NOT_SAVED, endpoint
        else:
            # Not a method of this route at all: refused before any token is looked at.
            assert response.status_code == 405, (endpoint, method, response.status_code)
            assert method not in response.headers["Allow"]
        assert stored(app) == before, (endpoint, method)
    with app.app_context():
        assert store.get_message("victim").text == "Original text."
        assert store.get_message("fresh") is None


@pytest.mark.parametrize(
    ("url", "changes"),
    [
        ("/messages/new", {"key": "fresh", "text": "New."}),
        ("/messages/victim/edit", {"text": "Changed text."}),
        ("/messages/victim/delete", {}),
        (f"/trash/{ARGUMENTS['message_id']}", {}),
    ],
)
def test_the_same_form_with_its_fresh_token_is_saved(app, url, changes):
    client = app.test_client()
    before = stored(app)
    form = parse(client.get(url)).select_one('main form[method="post"]')
    response = client.post(form["action"], data={**form_fields(form), **changes})
    assert response.status_code == 303
    assert stored(app) != before


def test_a_token_just_inside_the_time_limit_is_accepted(app):
    client = app.test_client()
    signed_at = int(time.time()) - app.config["WTF_CSRF_TIME_LIMIT"] + 60
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda signer: signed_at)
        form = page_form(client)
    assert client.post("/messages/new", data={**form, "key": "fresh", "text": "New."}).status_code == 303


# --- Over HTTPS, Flask-WTF also wants a Referer from this site -----------------------------------------

HTTPS = {"X-Forwarded-Proto": "https"}


@pytest.mark.parametrize(
    ("referrer", "reason"),
    [
        (None, "The referrer header is missing."),
        ("https://evil.example/messages/new", "The referrer does not match the host."),
        ("http://localhost/messages/new", "The referrer does not match the host."),
    ],
)
def test_over_https_a_post_from_elsewhere_is_refused(make_app, referrer, reason):
    app = make_app(PROXY_FIX_X_PROTO=1)
    client = app.test_client()
    form = page_form(client, headers=HTTPS)
    headers = {**HTTPS, **({"Referer": referrer} if referrer else {})}
    response = client.post("/messages/new", data={**form, "key": "fresh", "text": "New."}, headers=headers)
    assert response.status_code == 400
    assert parse(response).select_one(".error-description").get_text() == reason + NOT_SAVED
    with app.app_context():
        assert store.get_message("fresh") is None


def test_over_https_a_post_from_this_sites_page_is_saved(make_app):
    # Referrer-Policy: same-origin keeps the Referer on the site's own forms.
    app = make_app(PROXY_FIX_X_PROTO=1)
    client = app.test_client()
    form = page_form(client, headers=HTTPS)
    response = client.post(
        "/messages/new",
        data={**form, "key": "fresh", "text": "New."},
        headers={**HTTPS, "Referer": "https://localhost/messages/new"},
    )
    assert response.status_code == 303
