"""The front's search limit, for real: through `make serve`, a visitor's searches past the burst get
nginx's 429 (the site's page, with Retry-After), while their pages and static files, and other
visitors' searches, still answer; and `flask front nginx-config`'s options for it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from messageboard.front.nginx import FrontOptions
from tests.live_server import FrontServer
from tests.test_front import Answer, assert_site_error_page, environment, fetch
from tests.test_front_config import nginx_alone

pytestmark = pytest.mark.server

BURST, RATE = FrontOptions.search_burst, FrontOptions.searches_per_second


@pytest.fixture(scope="module")
def front(tmp_path_factory) -> Iterator[FrontServer]:
    """`make serve` on a free port, with the production settings."""
    folder = tmp_path_factory.mktemp("front-limits")
    with FrontServer(folder / "serve.log", folder / "front", **environment(folder)) as live:
        yield live


def search_until_refused(
    port: int, source: str, search: str = "q=e", limit: int = 100
) -> tuple[list[int], float, Answer]:
    """Send distinct searches from ``source``, one after another, until one is refused; return the
    statuses, the seconds they took and the last answer."""
    statuses: list[int] = []
    started = time.monotonic()
    while len(statuses) < limit and 429 not in statuses:
        answer = fetch(port, f"/?{search}&n={len(statuses)}", source=source)
        statuses.append(answer.status)
    return statuses, time.monotonic() - started, answer


def test_searches_past_the_burst_get_the_sites_429_page_from_nginx(front):
    source = "127.0.6.1"
    statuses, seconds, refusal = search_until_refused(front.port, source)
    assert statuses[: BURST + 1] == [200] * (BURST + 1), statuses
    # The burst, then at most the rate's worth for the time the searches took.
    assert statuses[-1] == 429 and len(statuses) <= BURST + 2 + RATE * seconds, (statuses, seconds)
    # The refusal itself is checked: a later request may already have a token back on a busy machine.
    assert_site_error_page(refusal, front.port, "Too Many Requests")
    assert refusal.headers["Retry-After"] == "1"


def test_a_search_whose_name_is_percent_encoded_is_limited_like_any_search(front):
    statuses, seconds, _ = search_until_refused(front.port, "127.0.6.4", search="%71=e")
    assert statuses[: BURST + 1] == [200] * (BURST + 1), statuses
    assert statuses[-1] == 429 and len(statuses) <= BURST + 2 + RATE * seconds, (statuses, seconds)


def test_a_limited_visitor_still_gets_pages_and_static_files_and_others_still_search(front):
    source = "127.0.6.2"
    statuses, _, _ = search_until_refused(front.port, source)
    assert statuses[-1] == 429, statuses
    for path in ("/", "/?q=", "/?page=1", "/messages/default", "/static/gen/site.css", "/healthz"):
        assert fetch(front.port, path, source=source).status == 200, path
    assert fetch(front.port, "/?q=e&n=other", source="127.0.6.3").status == 200


@pytest.mark.parametrize(("options", "refused"), [((), True), (("--behind-balancer",), False)])
def test_the_search_limit_follows_its_options_and_is_off_behind_a_balancer(tmp_path, options, refused):
    with nginx_alone(tmp_path, "--searches-per-second=1", "--search-burst=0", *options) as port:
        # No gunicorn behind this nginx: what it passes on is its 502 page.
        statuses = [fetch(port, f"/?q=e&n={number}").status for number in range(5)]
        assert fetch(port, "/").status == 502
    assert statuses == ([502, 429, 429, 429, 429] if refused else [502] * 5)
