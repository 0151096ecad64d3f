"""Error pages: every HTTP error answers in the site's layout, never with a stack trace."""

import pytest

from tests.helpers import parse

pytestmark = pytest.mark.both_databases


def assert_site_page(response, status: int, heading: str):
    """Assert that the response is the site's error page with this status and heading."""
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = parse(response)
    assert page.select_one("header.site-header .brand") is not None
    assert page.select_one('link[rel="stylesheet"]') is not None
    assert page.select_one("main h1").get_text() == heading
    assert page.body["class"] == ["page-error", f"page-error-{status}"]
    return page


def test_unknown_url_is_the_404_page(client):
    assert_site_page(client.get("/no/such/page"), 404, "Not Found")


def test_wrong_method_is_the_405_page_with_allow(client):
    response = client.delete("/")
    assert_site_page(response, 405, "Method Not Allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_oversized_body_is_the_413_page_naming_the_limit(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    response = app.test_client().post("/messages/new", data={"text": "x" * 2000})
    page = assert_site_page(response, 413, "Request Entity Too Large")
    assert page.select_one(".error-description").get_text() == (
        "The request is larger than this site's limit of 1,000 bytes; nothing was saved."
    )


def test_unexpected_exception_is_the_500_page_without_details(make_app, caplog):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/explode")
    def explode():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode")
    page = assert_site_page(response, 500, "Internal Server Error")
    assert "secret internals" not in page.get_text()
    assert "secret internals" in caplog.text


@pytest.mark.parametrize("url", ["/messages/nope", "/?page=9"])
def test_error_pages_do_not_link_the_missing_thing(client, url):
    links = [link["href"] for link in parse(client.get(url)).select("main a")]
    assert links[-1] == "/" and not any(link.split("?")[0] == url.split("?")[0] != "/" for link in links)
