"""The message pages: list, search, pagination, show, add, edit, delete and their errors."""

import re

import pytest

from messageboard import store
from tests.helpers import add_message, form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases


def keys_listed(response) -> list[str]:
    """Return the message keys in a list page, in page order."""
    return [link.get_text() for link in parse(response).select(".message-list .message-key")]


def test_list_greets_with_the_default_message_and_links_each_message(client):
    add_message(client, "alpha", "First")
    page = parse(client.get("/"))
    assert page.select_one(".greeting").get_text() == "Hello to the World of Flask!"
    links = {link.get_text(): link["href"] for link in page.select(".message-list .message-key")}
    assert links == {"alpha": "/messages/alpha", "default": "/messages/default"}
    assert page.select_one('a[href="/messages/alpha/edit"]') is not None
    assert page.select_one('header a[href="/messages/new"]') is not None


def test_list_has_no_greeting_once_the_default_message_is_deleted(client):
    submit_form(client, "/messages/default/delete")
    page = parse(client.get("/"))
    assert page.select_one(".greeting") is None
    assert page.select_one(".empty").get_text(" ", strip=True) == "No messages yet. Add the first one"
    assert page.select_one(".empty a.button")["href"] == "/messages/new"


@pytest.fixture
def fifty_messages(app):
    """Fifty messages besides the default one, created a second apart in reverse key order."""
    with app.app_context():
        store.add_many((f"m{number:02}", f"Message number {number}") for number in range(50))
    return app


def test_list_is_paginated_by_the_configured_page_size(fifty_messages, client):
    first = client.get("/")
    assert keys_listed(first) == ["default"] + [f"m{n:02}" for n in range(19)]
    third = client.get("/?page=3")
    assert keys_listed(third) == [f"m{n:02}" for n in range(39, 50)]
    nav = parse(third).select_one("nav.pagination")
    assert nav.select_one('[aria-current="page"]').get_text() == "3"
    assert nav.select_one('a[rel="prev"]')["href"] == "/?page=2"
    assert nav.select_one('a[rel="next"]') is None


def test_page_size_is_a_setting(make_app):
    client = make_app(MESSAGES_PER_PAGE=2).test_client()
    add_message(client, "a", "x")
    add_message(client, "b", "y")
    assert keys_listed(client.get("/?page=2")) == ["default"]


@pytest.mark.parametrize("page", ["4", "0", "999999"])
def test_page_out_of_range_is_not_found(fifty_messages, client, page):
    response = client.get(f"/?page={page}")
    assert response.status_code == 404
    assert parse(response).select_one(".error-description").get_text() == f"There is no page {page} of this list."


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("page=two", "page must be a whole number from 1 up, not 'two'."),
        ("page=-1", "page must be a whole number from 1 up, not '-1'."),
        ("sort=random", "sort must be one of key, updated, not 'random'."),
        ("q=" + "x" * 201, "The search is 201 characters long; the limit is 200."),
    ],
)
def test_bad_list_parameters_are_a_clear_400(client, query, problem):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert parse(response).select_one(".error-description").get_text() == problem


def test_pagination_links_show_a_window_around_the_current_page(make_app):
    app = make_app(MESSAGES_PER_PAGE=1)
    with app.app_context():
        store.add_many((f"k{n:02}", "t") for n in range(19))
    nav = parse(app.test_client().get("/?page=10")).select_one("nav.pagination")
    shown = [item.get_text(strip=True) for item in nav.select("li")]
    assert shown == ["1", "…", "8", "9", "10", "11", "12", "…", "20"]


def test_search_matches_key_or_text_in_any_case(fifty_messages, client):
    add_message(client, "Greeting-two", "Good MORNING, world")
    add_message(client, "other", "nothing here")
    assert keys_listed(client.get("/?q=morning")) == ["Greeting-two"]
    assert keys_listed(client.get("/?q=greeting")) == ["Greeting-two"]
    assert keys_listed(client.get("/?q=number 4")) == [f"m{n:02}" for n in (4, *range(40, 50))]
    summary = parse(client.get("/?q=morning")).select_one(".summary").get_text()
    assert summary == "1 message matches “morning”."


@pytest.mark.parametrize("query", ["m", "%", "_", '"', "\\", "x'y", "a*b", "NEAR(", "50%"])
def test_search_treats_every_character_literally(client, query):
    add_message(client, "literal", f"before {query} after")
    add_message(client, "decoy", "before after abc")
    response = client.get("/", query_string={"q": query})
    assert response.status_code == 200
    assert "literal" in keys_listed(response)
    assert "decoy" not in keys_listed(response) or query in "before after abc"


def test_search_pages_keep_the_query_and_order(fifty_messages, client):
    response = client.get("/?q=Message&sort=updated")
    next_link = parse(response).select_one('nav.pagination a[rel="next"]')["href"]
    assert next_link == "/?page=2&q=Message&sort=updated"
    assert parse(response).select_one("#q")["value"] == "Message"
    assert parse(response).select_one("#sort option[selected]")["value"] == "updated"


def test_search_with_no_match_offers_the_whole_list(client):
    page = parse(client.get("/?q=zzzz"))
    assert page.select(".message-row") == []
    assert page.select_one(".empty a")["href"] == "/"


def test_sort_by_updated_puts_the_latest_change_first(client):
    add_message(client, "a-first", "one")
    add_message(client, "b-second", "two")
    submit_form(client, "/messages/a-first/edit", {"text": "changed"})
    assert keys_listed(client.get("/?sort=updated")) == ["a-first", "b-second", "default"]
    assert keys_listed(client.get("/")) == ["a-first", "b-second", "default"]


def test_show_keeps_line_breaks_and_escapes_markup(client):
    add_message(client, "markup", "line one\n<script>alert(1)</script>\n\ttabbed")
    page = parse(client.get("/messages/markup"))
    text = page.select_one(".message-text")
    assert text.get_text() == "line one\n<script>alert(1)</script>\n\ttabbed"
    assert text.find("script") is None
    assert page.select_one("h1").get_text() == "markup"
    assert [term.get_text() for term in page.select(".message-times dt")] == ["Created"]  # never changed
    assert page.select_one('a[href="/messages/markup/edit"]') is not None
    assert page.select_one('a[href="/messages/markup/delete"]') is not None


# HTML's valid global date and time string: at most 3 digits of a second, then Z or an offset.
HTML_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})")


def test_times_of_live_data_are_valid_html_date_and_time_strings(client):
    add_message(client, "timed", "one")
    submit_form(client, "/messages/timed/edit", {"text": "two"})
    with client.application.app_context():
        stored = store.get_message("timed")
    assert stored.updated_at.microsecond or stored.created_at.microsecond  # what isoformat() wrote 6 digits of
    pages = [client.get(path) for path in ("/", "/messages/timed", "/messages/timed/history")]
    attributes = [time["datetime"] for page in pages for time in parse(page).select("time[datetime]")]
    assert len(attributes) >= 5
    assert [value for value in attributes if not HTML_DATE_TIME.fullmatch(value)] == []
    assert stored.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ") in attributes


def test_each_page_has_its_own_title_and_a_description(make_app):
    app = make_app(MESSAGES_PER_PAGE=2)
    client = app.test_client()
    for key in ("a", "b", "c"):
        add_message(client, key, f"The text of {key}, " * 20)
    pages = {path: parse(client.get(path)) for path in ("/", "/?page=2", "/?q=text", "/messages/a")}
    titles = [page.select_one("title").get_text() for page in pages.values()]
    assert titles == [
        "Messages · Messageboard",
        "Messages, page 2 · Messageboard",
        "Search: text · Messageboard",
        "a · Messageboard",
    ]
    descriptions = [page.select_one('meta[name="description"]')["content"] for page in pages.values()]
    assert descriptions[0] == "Short messages, by key."
    assert descriptions[3].startswith("The text of a, ") and len(descriptions[3]) <= 158


def test_show_unknown_key_is_the_404_page(client):
    response = client.get("/messages/nobody")
    assert response.status_code == 404
    page = parse(response)
    assert page.select_one(".error-description").get_text() == (
        "There is no message with the key “nobody”. It may have been deleted, or the address mistyped."
    )
    assert page.select_one("header .brand") is not None
    # The next step, for an editor: add a message with this key, the form filled in with it.
    add = page.select_one("main a.button")
    assert add.get_text(" ", strip=True) == "Add a message with the key “ nobody ”"
    form = parse(client.get(add["href"])).select_one("form.message-form")
    assert form.select_one("input[name=key]")["value"] == "nobody"


def test_the_404_offers_adding_the_key_only_to_editors_and_only_for_a_valid_key(make_app):
    visitor = make_app(ANONYMOUS_EDITING=False).test_client()
    assert parse(visitor.get("/messages/nobody")).select_one("main a.button") is None
    assert [link["href"] for link in parse(visitor.get("/messages/nobody")).select("main a")] == ["/"]


def test_a_message_changed_once_shows_created_and_changed(client):
    add_message(client, "twice", "one")
    submit_form(client, "/messages/twice/edit", {"text": "two"})
    page = parse(client.get("/messages/twice"))
    assert [term.get_text() for term in page.select(".message-times dt")] == ["Created", "Changed"]
    row = next(
        row
        for row in parse(client.get("/")).select(".message-row")
        if row.select_one(".message-key").get_text() == "twice"
    )
    assert row.select_one(".message-meta span").get_text(" ", strip=True).startswith("Changed ")


def test_a_search_that_finds_nothing_says_so_once_and_offers_clearing_it_and_adding_the_key(client):
    page = parse(client.get("/?q=no-such-key&sort=updated"))
    assert page.select_one(".summary") is None
    empty = page.select_one(".empty")
    assert empty.select_one(".empty-title").get_text(" ", strip=True) == "Nothing matches “ no-such-key ”."
    assert [link["href"] for link in empty.select("a")] == ["/?sort=updated", "/messages/new?key=no-such-key"]
    spaced = parse(client.get("/?q=two+words")).select_one(".empty")
    assert [link["href"] for link in spaced.select("a")] == ["/"]  # not a key: nothing to add


def test_the_greeting_shows_only_on_the_first_page_of_the_whole_list(fifty_messages):
    client = fifty_messages.test_client()
    assert parse(client.get("/")).select_one(".greeting") is not None
    assert parse(client.get("/?page=2")).select_one(".greeting") is None
    assert parse(client.get("/?q=Message")).select_one(".greeting") is None


def test_add_stores_the_message_and_redirects_to_it_with_a_flash(app, client):
    response = submit_form(client, "/messages/new", {"key": "note.1", "text": "  Hi\r\nthere  "})
    assert response.status_code == 303
    assert response.headers["Location"] == "/messages/note.1"
    page = parse(client.get(response.headers["Location"]))
    assert page.select_one(".flash").get_text() == "Added note.1."
    with app.app_context():
        stored = store.get_message("note.1")
    assert (stored.text, stored.version) == ("Hi\nthere", 1)
    assert stored.created_at == stored.updated_at


@pytest.mark.parametrize(
    ("key", "text", "field", "problem"),
    [
        ("", "text", "key", "Key is required."),
        (
            "has space",
            "text",
            "key",
            "Key may use only a-z, A-Z, 0-9, '-', '_' and '.' (no accents or spaces), not ' '.",
        ),
        ("café", "text", "key", "Key may use only a-z, A-Z, 0-9, '-', '_' and '.' (no accents or spaces), not 'é'."),
        (
            "slash/key",
            "text",
            "key",
            "Key may use only a-z, A-Z, 0-9, '-', '_' and '.' (no accents or spaces), not '/'.",
        ),
        ("k" * 65, "text", "key", "Key is 65 characters long; the limit is 64."),
        ("new", "text", "key", "Key 'new' is reserved by the site; choose another."),
        ("..", "text", "key", "Key '..' is reserved by the site; choose another."),
        ("default", "text", "key", "Key 'default' is taken; choose another or edit that message."),
        ("ok", "", "text", "Text is required."),
        ("ok", " \r\n\t ", "text", "Text is required."),
        ("ok", "x" * 10_001, "text", "Text is 10,001 characters long; the limit is 10,000."),
        (
            "ok",
            "bell\x07",
            "text",
            "Text contains the control character U+0007 at position 5; only line breaks and tabs are allowed.",
        ),
        (
            "ok",
            "nul\x00",
            "text",
            "Text contains the control character U+0000 at position 4; only line breaks and tabs are allowed.",
        ),
    ],
)
def test_add_rejects_bad_input_keeping_what_was_typed(app, client, key, text, field, problem):
    response = submit_form(client, "/messages/new", {"key": key, "text": text})
    assert response.status_code == 422
    page = parse(response)
    assert [item.get_text() for item in page.select(f"#{field}-errors li")] == [problem]
    assert page.select_one(f"#{field}")["aria-invalid"] == "true"
    assert form_fields(page.select_one("form.message-form"))["key"] == key
    # As typed, but for the control characters HTML cannot hold: each shows as U+FFFD where it was.
    shown = text.replace("\x07", "\ufffd").replace("\x00", "\ufffd")
    assert page.select_one("#text").get_text().removeprefix("\r\n") == shown
    with app.app_context():
        assert store.list_messages().total == 1


@pytest.mark.parametrize("character", ["e", "é", "👋"])
def test_add_accepts_the_longest_key_and_text_whatever_its_characters(client, character):
    key, text = "k" * 64, character * 10_000
    add_message(client, key, text)
    assert client.get(f"/show/{key}").get_data(as_text=True) == text


def test_add_accepts_unicode_emoji_and_right_to_left_text(client):
    text = "שלום עולם 👋🏽 café\tok"
    add_message(client, "unicode", text)
    assert parse(client.get("/messages/unicode")).select_one(".message-text").get_text() == text


def test_edit_form_is_prefilled_with_text_and_revision(app, client):
    add_message(client, "pre", "filled\nin")
    form = parse(client.get("/messages/pre/edit")).select_one("form.message-form")
    assert form_fields(form)["text"] == "filled\nin"
    with app.app_context():
        assert form_fields(form)["revision"] == store.get_message("pre").revision


def test_edit_saves_and_bumps_the_version(app, client):
    add_message(client, "ed", "before")
    response = submit_form(client, "/messages/ed/edit", {"text": "after"})
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/ed")
    assert parse(client.get("/messages/ed")).select_one(".flash").get_text() == "Saved ed."
    with app.app_context():
        saved = store.get_message("ed")
    assert (saved.text, saved.version) == ("after", 2)
    assert saved.updated_at > saved.created_at


def test_edit_rejects_bad_text_with_422_and_saves_nothing(app, client):
    add_message(client, "ed", "before")
    response = submit_form(client, "/messages/ed/edit", {"text": "x" * 10_001})
    assert response.status_code == 422
    assert parse(response).select_one("#text-errors").get_text(strip=True).startswith("Text is 10,001")
    with app.app_context():
        assert store.get_message("ed").text == "before"


def test_edit_based_on_an_old_version_is_a_conflict_that_loses_nothing(app, client):
    add_message(client, "shared", "original")
    mine = parse(client.get("/messages/shared/edit")).select_one("form.message-form")
    submit_form(client, "/messages/shared/edit", {"text": "theirs"})

    response = client.post(mine["action"], data={**form_fields(mine), "text": "mine"})
    assert response.status_code == 409
    page = parse(response)
    assert page.select_one(".conflict-current .message-text").get_text() == "theirs"
    assert page.select_one("#text").get_text().removeprefix("\r\n") == "mine"
    with app.app_context():
        assert store.get_message("shared").text == "theirs"

    # Submitting again, having seen their version, replaces it on purpose.
    again = client.post(mine["action"], data=form_fields(page.select_one("form.message-form")))
    assert again.status_code == 303
    with app.app_context():
        assert (store.get_message("shared").text, store.get_message("shared").version) == ("mine", 3)


def test_edit_of_a_message_deleted_meanwhile_is_a_conflict_that_gives_the_text_back(app, client):
    add_message(client, "gone", "original")
    mine = parse(client.get("/messages/gone/edit")).select_one("form.message-form")
    submit_form(client, "/messages/gone/delete")
    response = client.post(mine["action"], data={**form_fields(mine), "text": "my words"})
    assert response.status_code == 409
    page = parse(response)
    assert "deleted this message" in page.select_one(".conflict").get_text()
    assert page.select_one(".conflict-current") is None
    assert page.select_one("#text").get_text().removeprefix("\r\n") == "my words"
    with app.app_context():
        assert store.get_message("gone") is None


def test_edit_based_on_a_deleted_message_never_lands_on_a_new_one_with_that_key(app, client):
    add_message(client, "again", "first life")
    mine = parse(client.get("/messages/again/edit")).select_one("form.message-form")
    submit_form(client, "/messages/again/delete")
    add_message(client, "again", "second life")  # version 1 again, like the form's
    response = client.post(mine["action"], data={**form_fields(mine), "text": "my words"})
    assert response.status_code == 409
    assert parse(response).select_one("#text").get_text().removeprefix("\r\n") == "my words"
    with app.app_context():
        assert store.get_message("again").text == "second life"


@pytest.mark.parametrize("revision", ["", "abc", "1", "1.x", "-1.1"])
def test_edit_without_a_well_formed_revision_is_a_clear_400(client, revision):
    add_message(client, "nov", "x")
    response = submit_form(client, "/messages/nov/edit", {"revision": revision, "text": "y"})
    assert response.status_code == 400
    assert parse(response).select_one(".error-description").get_text() == (
        "The form lacks the revision it was based on; reload the page and edit again."
    )


def test_edit_and_delete_of_unknown_keys_are_404(client):
    assert client.get("/messages/nope/edit").status_code == 404
    assert client.get("/messages/nope/delete").status_code == 404


def test_delete_asks_first_then_deletes_and_returns_to_the_list(app, client):
    add_message(client, "bye", "going")
    confirm = parse(client.get("/messages/bye/delete"))
    assert confirm.select_one("h1").get_text() == "Delete bye?"
    response = submit_form(client, "/messages/bye/delete")
    assert (response.status_code, response.headers["Location"]) == (303, "/")
    assert parse(client.get("/")).select_one(".flash").get_text() == "Deleted bye. It can be restored from the trash."
    assert client.get("/messages/bye").status_code == 404
    with app.app_context():
        assert store.list_messages().total == 1


@pytest.mark.parametrize("url", ["/messages/new", "/messages/default/edit", "/messages/default/delete"])
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_posts_without_a_valid_csrf_token_are_400_and_change_nothing(app, client, url, token):
    data = {"key": "sneaky", "text": "sneaky", "revision": "1.1"}
    if token:
        data["csrf_token"] = token
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "The form was not saved" in parse(response).select_one(".error-description").get_text()
    with app.app_context():
        assert store.get_message("default").text == "Hello to the World of Flask!"
        assert store.get_message("sneaky") is None


def test_csrf_token_from_another_session_is_rejected(app, client):
    other = app.test_client()
    form = parse(other.get("/messages/new")).select_one("form.message-form")
    response = client.post(form["action"], data={**form_fields(form), "key": "x", "text": "y"})
    assert response.status_code == 400
