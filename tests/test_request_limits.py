"""Oversized or malformed input: a 4xx page naming the limit or the problem, never a 5xx, and nothing stored."""

from __future__ import annotations

import io
from urllib.parse import unquote_to_bytes

import pytest

from messageboard import store
from tests.helpers import add_message, form_fields, parse

LIMIT_BODY = "The request is larger than this site's limit of 262,144 bytes; nothing was saved."
NOT_UTF8_PATH = "The address has characters that are not valid UTF-8; check the link."
NOT_UTF8_QUERY = "The address's query (after ?) has characters that are not valid UTF-8; check the link."
NOT_UTF8_FORM = "The form's data is not valid UTF-8, as browsers send it; nothing was saved."


@pytest.fixture
def app(make_app):
    """A testing app whose errors are pages, as visitors get them, not exceptions in the test."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    with app.test_client() as client:
        add_message(client, "victim", "Original text.")
    return app


def stored(app) -> list[tuple[str, str]]:
    """Every stored key and revision: unchanged means nothing was added, edited or deleted."""
    with app.app_context():
        return store.revision_tokens()


def assert_refused(response, status: int, description: str) -> None:
    """The site's error page with this status, saying ``description``."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    page = parse(response)
    assert page.body["class"] == ["page-error", f"page-error-{status}"]
    assert page.select_one(".error-description").get_text() == description


def form_of(client, url: str) -> dict[str, str]:
    """What the browser would submit from the page's main POST form (its CSRF token included)."""
    return form_fields(parse(client.get(url)).select_one('main form[method="post"]'))


@pytest.fixture
def client(app):
    return app.test_client()


# --- Body and form sizes -------------------------------------------------------------------------------


def test_a_body_over_max_content_length_is_refused_naming_it(app, client):
    before = stored(app)
    data = {**form_of(client, "/messages/new"), "key": "big", "text": "x" * 300_000}
    assert_refused(client.post("/messages/new", data=data), 413, LIMIT_BODY)
    assert stored(app) == before


def test_a_body_over_the_limit_in_a_multipart_form_is_refused_naming_it(app, client):
    before = stored(app)
    data = {**form_of(client, "/messages/new"), "key": "big", "attachment": (io.BytesIO(b"x" * 300_000), "big.bin")}
    assert_refused(client.post("/messages/new", data=data, content_type="multipart/form-data"), 413, LIMIT_BODY)
    assert stored(app) == before


def test_a_multipart_field_over_max_form_memory_size_is_refused_naming_it(app, client):
    before = stored(app)
    data = {**form_of(client, "/messages/new"), "key": "big", "text": "x" * (64 * 1024 + 1)}
    assert_refused(
        client.post("/messages/new", data=data, content_type="multipart/form-data"),
        413,
        "A field of the form is larger than this site's limit of 65,536 bytes for one field; nothing was saved.",
    )
    assert stored(app) == before


def test_a_multipart_form_over_max_form_parts_is_refused_naming_it(app, client):
    before = stored(app)
    data = {
        **form_of(client, "/messages/new"),
        "key": "many",
        "text": "t",
        **{f"extra{number}": "x" for number in range(20)},
    }
    assert_refused(
        client.post("/messages/new", data=data, content_type="multipart/form-data"),
        413,
        "The form has more than this site's limit of 16 parts; nothing was saved.",
    )
    assert stored(app) == before


@pytest.mark.parametrize("path", ["/messages/new", "/login"])
def test_a_multipart_field_without_a_readable_name_is_a_400(app, client, path):
    """werkzeug gives such a field the key None, which the CSRF check cannot read (it was a 500)."""
    before = stored(app)
    data = {**form_of(client, path), "\n": "x"}
    assert_refused(
        client.post(path, data=data, content_type="multipart/form-data"),
        400,
        "A field of the form has no name that can be read; nothing was saved.",
    )
    assert stored(app) == before


def test_the_form_limits_follow_their_settings(make_app):
    app = make_app(MAX_FORM_MEMORY_SIZE=100, MAX_FORM_PARTS=3)
    client = app.test_client()
    data = form_of(client, "/messages/new")
    response = client.post(
        "/messages/new", data={**data, "key": "k", "text": "x" * 101}, content_type="multipart/form-data"
    )
    assert_refused(
        response,
        413,
        "A field of the form is larger than this site's limit of 100 bytes for one field; nothing was saved.",
    )
    response = client.post(
        "/messages/new", data={**data, "key": "k", "text": "t", "more": "x"}, content_type="multipart/form-data"
    )
    assert_refused(response, 413, "The form has more than this site's limit of 3 parts; nothing was saved.")


def test_a_valid_multipart_form_is_saved_and_its_files_ignored(app, client):
    data = {
        **form_of(client, "/messages/new"),
        "key": "multi",
        "text": "Sent as multipart ✓",
        "attachment": (io.BytesIO(b"\x00binary"), "file.bin"),
    }
    response = client.post("/messages/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        assert store.get_message("multi").text == "Sent as multipart ✓"
    assert [key for key, _ in stored(app)] == ["default", "multi", "victim"]


@pytest.mark.parametrize("setting", ["MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS"])
@pytest.mark.parametrize("value", [0, None, "lots", True])
def test_size_limits_must_be_whole_numbers_from_1(make_app, setting, value):
    from messageboard.core import ConfigError

    with pytest.raises(
        ConfigError,
        match=rf"^{setting} must be a whole number from 1 up, not {value!r} \(set by create_app\(\) arguments\)$",
    ):
        make_app(**{setting: value})


# --- Keys and texts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "changes", "field", "problem"),
    [
        ("/messages/new", {"key": "k" * 65, "text": "t"}, "key", "Key is 65 characters long; the limit is 64."),
        (
            "/messages/new",
            {"key": "long", "text": "x" * 10_001},
            "text",
            "Text is 10,001 characters long; the limit is 10,000.",
        ),
        (
            "/messages/victim/edit",
            {"text": "é" * 10_001},
            "text",
            "Text is 10,001 characters long; the limit is 10,000.",
        ),
    ],
)
def test_form_fields_over_their_limits_are_refused_naming_the_limit(app, client, url, changes, field, problem):
    before = stored(app)
    response = client.post(url, data={**form_of(client, url), **changes})
    assert response.status_code == 422
    assert [item.get_text() for item in parse(response).select(f"#{field}-errors li")] == [problem]
    assert stored(app) == before


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/add/" + "k" * 65 + "/text", "Key is 65 characters long; the limit is 64."),
        ("/add/long/" + "x" * 10_001, "Text is 10,001 characters long; the limit is 10,000."),
        ("/show/" + "k" * 65, "Key is 65 characters long; the limit is 64."),
    ],
)
def test_legacy_routes_refuse_oversized_keys_and_texts_in_plain_text(app, client, url, problem):
    before = stored(app)
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == problem
    assert stored(app) == before


def test_legacy_show_still_answers_not_found_for_a_key_within_the_limit(client):
    response = client.get("/show/" + "k" * 64)
    assert (response.status_code, response.get_data(as_text=True)) == (404, "k" * 64 + " not found!")


# --- Query parameters ----------------------------------------------------------------------------------


def test_an_oversized_search_is_refused_naming_the_limit(app, client):
    assert_refused(
        client.get("/", query_string={"q": "x" * 201}), 400, "The search is 201 characters long; the limit is 200."
    )
    assert client.get("/", query_string={"q": "x" * 200}).status_code == 200


@pytest.mark.parametrize("page", ["abc", "-1", "1.5", "", " 1", "1e3", "²", "٣", "0x1", "1/2"])
def test_a_page_that_is_not_a_whole_number_is_a_400(app, client, page):
    assert_refused(
        client.get("/", query_string={"page": page}), 400, f"page must be a whole number from 1 up, not {page!r}."
    )


@pytest.mark.parametrize("page", ["0", "2", "99999999999999999999", "9" * 400])
def test_a_page_past_the_list_is_a_404(client, page):
    assert_refused(client.get("/", query_string={"page": page}), 404, f"There is no page {page} of this list.")


# --- Bytes that are not UTF-8 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/messages/%ff",
        "/messages/%ff/edit",
        "/messages/%C3%28/delete",
        "/show/%ff",
        "/add/k/%ff",
        "/add/%ff%fe/text",
        "/%ff",
        "/static/%ff.css",
    ],
)
def test_a_path_that_is_not_utf8_is_a_400(app, client, url):
    before = stored(app)
    # As WSGI servers (gunicorn) pass it: percent-decoded bytes as latin-1. werkzeug's test client
    # would decode %ff to U+FFFD itself first.
    response = client.get(url, environ_overrides={"PATH_INFO": unquote_to_bytes(url).decode("latin-1")})
    assert_refused(response, 400, NOT_UTF8_PATH)
    assert stored(app) == before


@pytest.mark.parametrize("query", ["q=%ff", "page=%ff", "sort=%C3%28", "%ff=1"])
def test_a_query_that_is_not_utf8_is_a_400(client, query):
    assert_refused(client.get(f"/?{query}"), 400, NOT_UTF8_QUERY)


def test_an_unknown_key_in_utf8_is_still_not_found(client):
    assert_refused(
        client.get("/messages/%C3%A9t%C3%A9"),
        404,
        "There is no message with the key “été”. It may have been deleted, or the address mistyped.",
    )


@pytest.mark.parametrize("url", ["/messages/%zz", "/messages/%", "/messages/a%00b"])
def test_broken_percent_escapes_in_a_path_are_not_found(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "changes"),
    [
        ("/messages/new", "key=%ff%fe&text=fine"),
        ("/messages/new", "key=fine&text=%ff"),
        ("/messages/new", "key=fine&text=\xff"),
        ("/messages/victim/edit", "text=caf%E9"),
    ],
)
def test_a_form_that_is_not_utf8_is_a_400_and_saves_nothing(app, client, url, changes):
    before = stored(app)
    fields = {name: value for name, value in form_of(client, url).items() if name not in ("key", "text")}
    body = "&".join(f"{name}={value}" for name, value in fields.items()) + "&" + changes
    response = client.post(url, data=body.encode("latin-1"), content_type="application/x-www-form-urlencoded")
    assert_refused(response, 400, NOT_UTF8_FORM)
    assert stored(app) == before


def test_utf8_forms_still_save(app, client):
    response = client.post(
        "/messages/new", data={**form_of(client, "/messages/new"), "key": "utf8", "text": "café ☕ 𝄞 %ff"}
    )
    assert response.status_code == 303
    with app.app_context():
        assert store.get_message("utf8").text == "café ☕ 𝄞 %ff"
