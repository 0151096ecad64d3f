"""Security headers on every response, the trusted hosts, and proxy headers believed only as configured."""

from __future__ import annotations

import http.client
import runpy
from urllib.parse import urlsplit

import pytest
from flask import redirect, request, url_for

from messageboard import store
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.http_security import stand_in_host
from messageboard.page_cache import cached_pages
from tests.helpers import add_message, parse
from tests.live_server import LiveServer

HSTS_PRODUCTION = f"max-age={2 * 365 * 24 * 3600}; includeSubDomains"


def csp_directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}, asserting each appears once."""
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice"
        directives[name.lower()] = sources
    return directives


def assert_security_headers(response, *, hsts: str | None = None) -> None:
    """Assert the headers every response carries, and HSTS exactly when given."""
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"):
        assert len(response.headers.getlist(name)) == 1, (name, response.headers)
    policy = csp_directives(response)
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    assert not [
        source
        for sources in policy.values()
        for source in sources
        if source.lower() in ("'unsafe-inline'", "'unsafe-eval'", "*") or source.startswith("'nonce-")
    ]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers.get("Strict-Transport-Security") == hsts
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert permissions_policy(response) == dict.fromkeys(FEATURES_THE_SITE_NEVER_USES, "()")


# Written out here rather than imported: a feature dropped from the policy must fail a test.
FEATURES_THE_SITE_NEVER_USES = (
    "accelerometer autoplay camera display-capture encrypted-media geolocation gyroscope hid magnetometer "
    "microphone midi payment publickey-credentials-get screen-wake-lock serial usb xr-spatial-tracking"
).split()


def permissions_policy(response) -> dict[str, str]:
    """The response's Permissions-Policy as {feature: allow list}, asserting it is sent once."""
    assert len(response.headers.getlist("Permissions-Policy")) == 1
    return dict(part.strip().split("=", 1) for part in response.headers["Permissions-Policy"].split(","))


def hashed_logo(app) -> str:
    with app.test_request_context(base_url=f"http://{stand_in_host(app.config)}"):
        return url_for("static", filename="images/logo.svg")


# --- Headers -------------------------------------------------------------------------------------------


def every_kind_of_response(app, *, anonymous_editing: bool = True) -> dict[str, object]:
    """One response of each kind the site gives, by name, from a fresh client."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/_test/explode")
    def explode():
        raise RuntimeError("boom")

    @app.get("/_test/redirect")
    def go_home():
        return redirect(url_for("messages.index"), 303)

    client = app.test_client()
    first = client.get("/")
    cached = client.get("/")
    assert cached_pages(app).hits == 1, "the second GET should be a page-cache hit"
    logo = hashed_logo(app)
    responses = {
        "page": first,
        "cached page": cached,
        "cached page, 304": client.get("/", headers={"If-None-Match": cached.headers["ETag"]}),
        "HEAD": client.head("/"),
        "plain text": client.get("/hello"),
        "static, hashed": client.get(logo),
        "static, unhashed": client.get("/static/images/logo.svg"),
        "static, 304": client.get(logo, headers={"If-None-Match": client.get(logo).headers["ETag"]}),
        "static, gzip": client.get(
            parse(first).select_one('link[rel="stylesheet"]')["href"], headers={"Accept-Encoding": "gzip"}
        ),
        "404": client.get("/no/such/page"),
        "404, static": client.get("/static/no-such-file.css"),
        "405": client.delete("/"),
        "400, CSRF": client.post("/messages/new", data={"key": "k", "text": "t"}),
        "400, page": client.get("/?page=abc"),
        "413": client.post("/messages/new", data={"text": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}),
        "500": client.get("/_test/explode"),
    }
    # A saved form where anyone may edit; elsewhere a redirect of the same kind.
    responses["303"] = add_message(client, "k", "text") if anonymous_editing else client.get("/_test/redirect")
    return responses


EXPECTED_STATUSES = {
    "page": 200,
    "cached page": 200,
    "cached page, 304": 304,
    "HEAD": 200,
    "plain text": 200,
    "static, hashed": 200,
    "static, unhashed": 200,
    "static, 304": 304,
    "404": 404,
    "404, static": 404,
    "405": 405,
    "400, CSRF": 400,
    "400, page": 400,
    "413": 413,
    "500": 500,
    "303": 303,
}


def test_every_kind_of_response_carries_the_security_headers(app):
    responses = every_kind_of_response(app)
    for kind, response in responses.items():
        if kind in EXPECTED_STATUSES:
            assert response.status_code == EXPECTED_STATUSES[kind], kind
        assert_security_headers(response)


def test_production_adds_hsts_to_every_kind_of_response(make_app):
    app = make_app("production", SECRET_KEY="a-secret-of-this-test")
    for kind, response in every_kind_of_response(app, anonymous_editing=False).items():
        assert response.status_code == EXPECTED_STATUSES.get(kind, response.status_code), kind
        assert_security_headers(response, hsts=HSTS_PRODUCTION)


@pytest.mark.parametrize("config", ["development", "testing", "staging"])
def test_no_hsts_outside_production(make_app, config, tmp_path):
    app = make_app(config, SECRET_KEY="a-secret-of-this-test", ASSETS_BUILD_FOLDER=str(tmp_path / "build"))
    app.extensions["messageboard.assets"].build()
    client = app.test_client()
    for path in ("/", "/static/images/logo.svg", "/nope"):
        with client.get(path) as response:
            assert_security_headers(response)
    if app.config["LIVE_RELOAD"]:
        app.extensions["messageboard.live_reload"].stop()


def test_hsts_follows_its_setting(make_app):
    response = make_app(HSTS_SECONDS=300).test_client().get("/static/images/logo.svg")
    assert response.headers["Strict-Transport-Security"] == "max-age=300; includeSubDomains"


def test_a_header_the_site_sets_itself_is_kept(app):
    @app.get("/_test/own-policy")
    def own_policy():
        return "framed", {"Content-Security-Policy": "frame-ancestors 'self'"}

    response = app.test_client().get("/_test/own-policy")
    assert response.headers.getlist("Content-Security-Policy") == ["frame-ancestors 'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_live_reload_routes_carry_the_headers_and_work_under_the_policy(dev_app):
    client = dev_app.test_client()
    page = client.get("/")
    assert_security_headers(page)
    script = parse(page).head.select_one('script[src$="/_live-reload/client.js"]')
    # The listener is a file of this origin, and its stream is too (connect-src falls back to 'self').
    assert urlsplit(script["src"]).netloc == "" and urlsplit(script["data-events"]).netloc == ""
    with client.get(script["src"]) as response:
        assert response.status_code == 200
        assert_security_headers(response)
    with client.get(script["data-events"], buffered=False) as stream:
        assert stream.status_code == 200 and stream.mimetype == "text/event-stream"
        assert_security_headers(stream)


# --- Trusted hosts -------------------------------------------------------------------------------------

TRUSTED = ["example.org", ".example.net"]


@pytest.fixture
def hosts_app(make_app, monkeypatch):
    """An app answering only example.org and example.net with its subdomains, set as the README says."""
    monkeypatch.setenv("MESSAGEBOARD_TRUSTED_HOSTS", '["example.org", ".example.net"]')
    app = make_app()
    assert app.config["TRUSTED_HOSTS"] == TRUSTED
    return app


@pytest.mark.parametrize(
    "host", ["example.org", "example.org:8000", "example.net", "www.example.net", "a.b.example.net:443"]
)
def test_trusted_hosts_are_answered(hosts_app, host):
    client = hosts_app.test_client()
    assert client.get("/", headers={"Host": host}).status_code == 200
    assert client.get(hashed_logo(hosts_app), headers={"Host": host}).status_code == 200


def assert_host_refused(response, host: str) -> None:
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    page = parse(response)
    assert page.select_one("main h1").get_text() == "Bad Request"
    assert page.select_one(".error-description").get_text() == (
        f"This site does not answer to the host name {host!r}: it is not one of its TRUSTED_HOSTS."
    )
    assert page.select_one("header.site-header .brand") is not None
    assert_security_headers(response)
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "host", ["evil.example", "www.example.org", "example.net.evil.example", "example.org.", "127.0.0.1", "exa mple.org"]
)
def test_other_hosts_get_the_400_page_everywhere(hosts_app, host):
    client = hosts_app.test_client()
    # Warm the page cache through a trusted host: a kept page must not be given to another host.
    assert client.get("/", headers={"Host": "example.org"}).status_code == 200
    before = cached_pages(hosts_app).hits
    for response in (
        client.get("/", headers={"Host": host}),
        client.head("/", headers={"Host": host}),
        client.get("/hello", headers={"Host": host}),
        client.get(hashed_logo(hosts_app), headers={"Host": host}),
        client.get("/static/images/logo.svg", headers={"Host": host}),
        client.get("/no/such/page", headers={"Host": host}),
        client.post("/messages/new", data={"key": "k", "text": "t"}, headers={"Host": host}),
    ):
        if response.request.method == "HEAD":
            assert response.status_code == 400 and response.data == b""
            assert_security_headers(response)
        else:
            assert_host_refused(response, host)
    assert cached_pages(hosts_app).hits == before
    with hosts_app.app_context():
        assert store.get_message("k") is None


@pytest.mark.parametrize("config", ["development", "testing"])
def test_development_and_testing_without_trusted_hosts_answer_any_host(make_app, config):
    app = make_app(config)
    assert app.config["TRUSTED_HOSTS"] is None
    assert app.test_client().get("/", headers={"Host": "anything.example"}).status_code == 200


@pytest.mark.parametrize("config", ["staging", "production"])
def test_a_public_site_refuses_to_start_without_trusted_hosts(make_app, config):
    with pytest.raises(ConfigError) as error:
        make_app(config, SECRET_KEY="a-secret-of-this-test", TRUSTED_HOSTS=None, init_database=False)
    assert str(error.value).startswith("TRUSTED_HOSTS is not set, and Staging and Production answer only")
    assert error.value.setting == "TRUSTED_HOSTS"


def test_an_export_works_with_trusted_hosts(hosts_app, tmp_path):
    result = hosts_app.test_cli_runner().invoke(args=["export", "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "index.html").is_file()


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[]", "TRUSTED_HOSTS must be a list of host names, like "),
        ('["https://example.org/"]', "TRUSTED_HOSTS has 'https://example.org/', which is not a host name"),
        ('["example.org", ""]', "TRUSTED_HOSTS has '', which is not a host name"),
        ("[42]", "TRUSTED_HOSTS has 42, which is not a host name"),
        ("-1", "HSTS_SECONDS must be a whole number from 0 up"),
    ],
)
def test_bad_host_and_hsts_settings_stop_the_start_in_one_line(make_app, monkeypatch, value, problem):
    name = "HSTS_SECONDS" if problem.startswith("HSTS") else "TRUSTED_HOSTS"
    monkeypatch.setenv(f"MESSAGEBOARD_{name}", value)
    with pytest.raises(ConfigError) as error:
        make_app()
    assert str(error.value).startswith(problem)
    assert "\n" not in str(error.value)


def test_international_host_names_are_accepted(make_app):
    app = make_app(TRUSTED_HOSTS=["bücher.example"])
    assert app.test_client().get("/", headers={"Host": "xn--bcher-kva.example"}).status_code == 200


# --- Proxies -------------------------------------------------------------------------------------------

FORGED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Port": "8443",
    "X-Forwarded-Prefix": "/evil",
}


def proxied_app(make_app, **settings):
    """An app with a test-only route describing the request as the app sees it."""
    app = make_app(**settings)

    @app.get("/_test/request")
    def describe():
        return {
            "remote_addr": request.remote_addr,
            "scheme": request.scheme,
            "host": request.host,
            "script_root": request.script_root,
            "home": url_for("messages.index", _external=True),
        }

    return app


def seen(app, headers, remote_addr="127.0.0.1"):
    response = app.test_client().get("/_test/request", headers=headers, environ_base={"REMOTE_ADDR": remote_addr})
    assert response.status_code == 200
    assert_security_headers(response)
    return response.get_json()


def test_without_proxy_counts_forwarded_headers_are_ignored(make_app):
    app = proxied_app(make_app)
    assert seen(app, FORGED, remote_addr="198.51.100.7") == {
        "remote_addr": "198.51.100.7",
        "scheme": "http",
        "host": "localhost",
        "script_root": "",
        "home": "http://localhost/",
    }


def test_one_proxy_is_believed_for_its_own_hop_only(make_app):
    app = proxied_app(make_app, PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    # The visitor sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the address it saw.
    headers = {**FORGED, "X-Forwarded-For": "6.6.6.6, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert seen(app, headers) == {
        "remote_addr": "203.0.113.9",
        "scheme": "https",
        "host": "localhost",
        "script_root": "",
        "home": "https://localhost/",
    }


def test_two_proxies_are_counted_from_the_right(make_app):
    app = proxied_app(make_app, PROXY_FIX_X_FOR=2)
    assert seen(app, {"X-Forwarded-For": "6.6.6.6, 203.0.113.9, 10.0.0.2"})["remote_addr"] == "203.0.113.9"


def test_fewer_entries_than_hops_are_not_believed(make_app):
    app = proxied_app(make_app, PROXY_FIX_X_FOR=2)
    assert seen(app, {"X-Forwarded-For": "203.0.113.9"})["remote_addr"] == "127.0.0.1"


def test_a_proxy_prefix_reaches_every_link(make_app):
    app = proxied_app(make_app, PROXY_FIX_X_PREFIX=1)
    client = app.test_client()
    add_message(client, "hello", "Hi")
    headers = {"X-Forwarded-Prefix": "/board"}
    assert seen(app, headers)["home"] == "http://localhost/board/"
    page = parse(client.get("/", headers=headers))
    links = [
        element.get("href") or element.get("src") or element.get("action")
        for element in page.select("[href]:not([href^='#']), [src], form[action]")
    ]
    assert links and all(link.startswith("/board/") for link in links), links
    # The proxy strips the prefix before passing a request on; static files answer there.
    for link in links:
        if "/static/" in link:
            assert client.get(link.removeprefix("/board"), headers=headers).status_code == 200


def test_a_forwarded_host_is_checked_against_trusted_hosts(make_app):
    app = proxied_app(make_app, PROXY_FIX_X_HOST=1, TRUSTED_HOSTS=["example.org"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "127.0.0.1:8000", "X-Forwarded-Host": "example.org"}).status_code == 200
    assert_host_refused(
        client.get("/", headers={"Host": "example.org", "X-Forwarded-Host": "evil.example"}), "evil.example"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROXY_FIX_X_FOR", "-1"),
        ("PROXY_FIX_X_PROTO", "1.5"),
        ("PROXY_FIX_X_HOST", "true"),
        ("PROXY_FIX_X_PREFIX", "one"),
    ],
)
def test_proxy_counts_must_be_whole_numbers(make_app, monkeypatch, name, value):
    monkeypatch.setenv(f"MESSAGEBOARD_{name}", value)
    with pytest.raises(ConfigError, match=f"^{name} must be a whole number from 0 up"):
        make_app()


# --- Through gunicorn ----------------------------------------------------------------------------------


def test_gunicorn_leaves_forwarded_headers_to_the_app():
    settings = runpy.run_path(str(PROJECT_ROOT / "config" / "gunicorn.conf.py"))
    assert settings["secure_scheme_headers"] == {}


def raw_get(server: LiveServer, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize("proto_hops", [0, 1])
def test_through_gunicorn_headers_are_sent_and_the_scheme_is_believed_only_as_configured(tmp_path, proto_hops):
    with LiveServer(
        tmp_path / "gunicorn.log",
        workers=1,
        HOME=str(tmp_path / "home"),
        MESSAGEBOARD_CONFIG="staging",
        MESSAGEBOARD_SECRET_KEY="a-secret-of-this-test",
        MESSAGEBOARD_INSTANCE_PATH=str(tmp_path / "instance"),
        MESSAGEBOARD_PROXY_FIX_X_PROTO=str(proto_hops),
    ) as server:
        for path in ("/", "/static/images/logo.svg", "/no/such/page"):
            response = raw_get(server, path)
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
            assert "object-src 'none'" in response.headers["Content-Security-Policy"]
        # A path that is not UTF-8, as gunicorn passes it on.
        assert raw_get(server, "/messages/%ff").status == 400
        # werkzeug's slash redirect is an absolute URL in the scheme the app believes.
        redirect = raw_get(server, "/_styleguide", {"X-Forwarded-Proto": "https"})
        assert redirect.status in (301, 308)
        assert redirect.headers["Location"].startswith("https://" if proto_hops else "http://")


def test_redirects_are_never_stored_and_carry_the_security_headers(make_app):
    app = make_app("production", SECRET_KEY="s3cret", SESSION_COOKIE_SECURE=False)
    response = app.test_client().get("/messages//default")
    assert response.status_code == 308
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response, hsts=HSTS_PRODUCTION)


def test_a_redirect_keeps_its_own_cache_control(app):
    @app.get("/test-cached-redirect")
    def cached_redirect():
        response = redirect("/")
        response.headers["Cache-Control"] = "max-age=60"
        return response

    assert app.test_client().get("/test-cached-redirect").headers.getlist("Cache-Control") == ["max-age=60"]


def test_a_host_outside_trusted_hosts_gets_no_redirect_to_it(make_app):
    app = make_app("production", SECRET_KEY="s3cret", SESSION_COOKIE_SECURE=False, TRUSTED_HOSTS=["localhost"])
    response = app.test_client().get("/messages//default", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_a_not_modified_static_file_keeps_its_caching(app):
    client = app.test_client()
    logo = hashed_logo(app)
    not_modified = client.get(logo, headers={"If-None-Match": client.get(logo).headers["ETag"]})
    assert not_modified.status_code == 304
    assert "no-store" not in not_modified.headers.get("Cache-Control", "")
