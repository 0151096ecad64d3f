"""The page cache: pages come from memory until anyone, in any process, changes the data."""

import pytest

from messageboard import store
from messageboard.page_cache import cached_pages
from tests.helpers import add_message, parse, submit_form

pytestmark = pytest.mark.both_databases


def cache_of(app):
    """The app's page store."""
    return cached_pages(app)


def test_a_page_asked_for_twice_is_rendered_once(app, client):
    first, second = client.get("/"), client.get("/")
    assert first.data == second.data
    assert (cache_of(app).misses, cache_of(app).hits) == (1, 1)


def test_every_write_through_the_site_shows_at_once(client):
    client.get("/")
    client.get("/messages/default")
    submit_form(client, "/messages/default/edit", {"text": "Edited greeting"})
    client.get("/messages/default")  # the page with the flash message
    assert parse(client.get("/")).select_one(".greeting").get_text() == "Edited greeting"
    assert parse(client.get("/messages/default")).select_one(".message-text").get_text() == "Edited greeting"


def test_a_write_by_another_process_on_the_same_database_shows_at_once(make_app, client):
    """Another app on the same database stands for another gunicorn worker, host or a CLI command."""
    assert client.get("/messages/default").status_code == 200
    other = make_app()
    with other.app_context():
        store.put_message("default", "Written elsewhere")
        store.add_message("fresh", "Also elsewhere")
    page = parse(client.get("/messages/default"))
    assert page.select_one(".message-text").get_text() == "Written elsewhere"
    assert [a.get_text() for a in parse(client.get("/")).select(".message-key")] == ["default", "fresh"]


def test_pages_showing_a_flash_message_are_neither_served_from_nor_kept_in_the_cache(app, client):
    client.get("/")
    add_message(client, "flashy", "text")
    with_flash = parse(client.get("/messages/flashy"))
    assert with_flash.select_one(".flash").get_text() == "Added flashy."
    assert parse(client.get("/messages/flashy")).select_one(".flash") is None
    assert parse(app.test_client().get("/messages/flashy")).select_one(".flash") is None


def test_visitors_who_opened_a_form_still_get_cached_pages(app, client):
    client.get("/messages/new")  # puts a CSRF token in the session
    assert client.get_cookie("session") is not None
    client.get("/")
    client.get("/")
    assert cache_of(app).hits == 1


def test_a_session_that_cannot_be_read_is_never_served_from_the_cache(app, client):
    client.get("/")
    client.set_cookie("session", "garbled")
    client.get("/")
    assert cache_of(app).hits == 0


def test_a_head_request_first_does_not_leave_an_empty_page_behind(client):
    assert client.head("/").status_code == 200
    assert parse(client.get("/")).select_one("h1").get_text() == "Messages"


def test_head_gets_the_headers_without_the_body(client):
    page = client.get("/hello")
    head = client.head("/hello")
    assert (head.status_code, head.data, head.headers["ETag"]) == (200, b"", page.headers["ETag"])
    assert head.headers["Content-Length"] == str(len(page.data))


def test_cached_pages_keep_their_headers_but_never_a_cookie(app, client):
    first = client.get("/messages/default")
    again = client.get("/messages/default")
    assert cache_of(app).hits == 1
    assert again.headers["Content-Type"] == first.headers["Content-Type"] == "text/html; charset=utf-8"
    assert again.headers.get("Vary") == first.headers.get("Vary")
    assert "Set-Cookie" not in again.headers


def test_errors_are_not_kept(app, client):
    assert client.get("/messages/nobody").status_code == 404
    assert client.get("/messages/nobody").status_code == 404
    assert cache_of(app).hits == 0


def test_each_query_string_is_its_own_page(client):
    add_message(client, "apple", "fruit")
    assert [a.get_text() for a in parse(client.get("/?q=apple")).select(".message-key")] == ["apple"]
    assert [a.get_text() for a in parse(client.get("/?q=zzz")).select(".message-key")] == []


def test_browsers_get_an_etag_and_a_304_while_the_page_is_unchanged(client):
    first = client.get("/messages/default")
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    unchanged = client.get("/messages/default", headers={"If-None-Match": etag})
    assert (unchanged.status_code, unchanged.data) == (304, b"")
    client.get("/add/default/changed")
    changed = client.get("/messages/default", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_cache_holds_at_most_its_size(make_app):
    app = make_app(PAGE_CACHE_SIZE=2)
    client = app.test_client()
    for url in ("/?q=a", "/?q=b", "/?q=c", "/?q=a"):
        client.get(url)
    assert (cache_of(app).hits, cache_of(app).misses) == (0, 4)
    client.get("/?q=a")
    assert cache_of(app).hits == 1


@pytest.mark.parametrize("config", ["development"])
def test_development_renders_every_time_so_template_edits_show(make_app, config):
    app = make_app(config)
    assert cache_of(app) is None
    client = app.test_client()
    assert "ETag" not in client.get("/").headers


@pytest.mark.parametrize(
    ("encoding", "decompress"), [("br", __import__("brotli").decompress), ("gzip", __import__("gzip").decompress)]
)
def test_cached_pages_are_sent_compressed_to_browsers_that_accept_it(client, encoding, decompress):
    plain = client.get("/")
    compressed = client.get("/", headers={"Accept-Encoding": f"{encoding}, identity"})
    assert compressed.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in compressed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    assert decompress(compressed.data) == plain.data
    assert len(compressed.data) < len(plain.data) / 2
    assert compressed.headers["ETag"] != plain.headers["ETag"]
    again = client.get("/", headers={"Accept-Encoding": encoding, "If-None-Match": compressed.headers["ETag"]})
    assert again.status_code == 304


def test_short_pages_and_refused_encodings_go_uncompressed(client):
    assert "Content-Encoding" not in client.get("/hello", headers={"Accept-Encoding": "br"}).headers
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "br;q=0, gzip;q=0"}).headers


@pytest.mark.parametrize(
    "header", [("Set-Cookie", "theme=dark"), ("Cache-Control", "private"), ("Cache-Control", "no-store")]
)
def test_responses_meant_for_one_visitor_are_never_kept(make_app, header):
    app = make_app()

    @app.after_request
    def personal(response):
        response.headers[header[0]] = header[1]
        return response

    client = app.test_client()
    client.get("/messages/default")
    assert client.get("/messages/default").headers[header[0]] == header[1]
    assert cache_of(app).hits == 0
