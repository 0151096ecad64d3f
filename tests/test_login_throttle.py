"""Throttling slows attackers, not editors: failures count per name and address together and per
address, a name attacked from everywhere waits a bounded, doubling delay, and counting is exact
however many guesses arrive at once."""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import event, func, insert, select

from messageboard.auth import throttle
from messageboard.database.schema import login_failures, utcnow
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD as PASSWORD
from tests.helpers import form_fields, parse, production_site, submit_form
from tests.live_server import Browser, LiveServer

pytestmark = pytest.mark.both_databases

WRONG = "not the password!"
ATTACKER, EDITORS_DESK = "203.0.113.66", "198.51.100.7"
PARALLEL_GUESSES = 60


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def try_login(client, name="ada", password=WRONG):
    return submit_form(client, "/login", {"name": name, "password": password})


def failures(app, **where) -> int:
    with app.app_context(), db.reading() as connection:
        query = select(func.count()).select_from(login_failures)
        for column, value in where.items():
            query = query.where(login_failures.c[column] == value)
        return connection.execute(query).scalar_one()


def add_failures(app, count: int, name="ada", addresses=None, age=timedelta(0)) -> None:
    """Store ``count`` failures for ``name``, each from the next of ``addresses`` (default: a new one each)."""
    with app.app_context(), db.writing() as connection:
        for number in range(count):
            address = addresses[number % len(addresses)] if addresses else f"192.0.2.{number % 250}"
            connection.execute(insert(login_failures).values(name=name, address=address, failed_at=utcnow() - age))


def test_an_attackers_hundred_guesses_leave_the_editor_logging_in_from_elsewhere_at_once(locked_app):
    attacker = from_address(locked_app, ATTACKER)
    statuses = Counter(try_login(attacker).status_code for _ in range(100))
    limit = locked_app.config["LOGIN_MAX_FAILURES"]
    assert statuses == {401: limit, 429: 100 - limit}
    assert failures(locked_app) == limit  # refused guesses count for nothing: waiting is not renewed
    assert try_login(attacker, password=PASSWORD).status_code == 429  # even the right password, from there

    editor = from_address(locked_app, EDITORS_DESK)
    assert try_login(editor, password=PASSWORD).status_code == 303
    assert editor.get("/messages/new").status_code == 200


def test_the_wait_names_what_failed_and_when_to_try_again(locked_app):
    attacker = from_address(locked_app, ATTACKER)
    for _ in range(locked_app.config["LOGIN_MAX_FAILURES"]):
        assert try_login(attacker).status_code == 401
    response = try_login(attacker)
    assert response.status_code == 429
    window = locked_app.config["LOGIN_FAILURE_WINDOW"]
    assert window - 5 <= int(response.headers["Retry-After"]) <= window
    assert "Too many failed logins for this name from this address. Try again in 15 minutes." in (
        parse(response).select_one("main").get_text(" ", strip=True)
    )
    assert try_login(attacker, name="bob").status_code == 401  # other names still get their own count


def test_one_address_failing_for_many_names_waits_for_every_name_and_only_there(locked_app):
    attacker = from_address(locked_app, ATTACKER)
    limit = locked_app.config["LOGIN_ADDRESS_MAX_FAILURES"]
    add_failures(locked_app, limit - 1, name="guess", addresses=[ATTACKER])
    assert try_login(attacker, name="one-more").status_code == 401
    response = try_login(attacker, name="ada", password=PASSWORD)
    assert response.status_code == 429
    assert "from this address." in parse(response).select_one("main").get_text()
    assert try_login(from_address(locked_app, EDITORS_DESK), password=PASSWORD).status_code == 303


def test_a_name_failing_from_many_addresses_waits_a_doubling_delay_that_is_bounded(locked_app):
    config = locked_app.config
    add_failures(locked_app, config["LOGIN_NAME_MAX_FAILURES"])
    newcomer = from_address(locked_app, "192.0.2.251")
    response = try_login(newcomer, password=PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "1"
    assert "for this name." in parse(response).select_one("main").get_text()

    add_failures(locked_app, 3)  # 3 more: 2**3 seconds
    assert try_login(newcomer).headers["Retry-After"] == "8"
    add_failures(locked_app, 20)  # far more: the bound
    assert try_login(newcomer).headers["Retry-After"] == str(config["LOGIN_NAME_MAX_DELAY"])


def test_the_name_delay_ends_once_its_time_has_passed(locked_app):
    add_failures(locked_app, locked_app.config["LOGIN_NAME_MAX_FAILURES"], age=timedelta(seconds=2))
    assert try_login(from_address(locked_app, "192.0.2.251"), password=PASSWORD).status_code == 303


def test_where_the_editor_logged_in_before_is_spared_the_name_delay(locked_app):
    desk = from_address(locked_app, EDITORS_DESK)
    assert try_login(desk, password=PASSWORD).status_code == 303
    add_failures(locked_app, locked_app.config["LOGIN_NAME_MAX_FAILURES"] + 20)
    assert try_login(from_address(locked_app, EDITORS_DESK), password=PASSWORD).status_code == 303
    assert try_login(from_address(locked_app, "192.0.2.251"), password=PASSWORD).status_code == 429


def test_failures_older_than_the_window_no_longer_count(locked_app):
    window = timedelta(seconds=locked_app.config["LOGIN_FAILURE_WINDOW"] + 1)
    add_failures(locked_app, 100, addresses=[ATTACKER], age=window)
    assert try_login(from_address(locked_app, ATTACKER), password=PASSWORD).status_code == 303
    assert failures(locked_app) == 0  # forgotten at the next login


def test_a_login_clears_its_own_failures_and_no_one_elses(locked_app):
    add_failures(locked_app, 3, addresses=[EDITORS_DESK])
    add_failures(locked_app, 3, addresses=[ATTACKER])
    assert try_login(from_address(locked_app, EDITORS_DESK), password=PASSWORD).status_code == 303
    assert failures(locked_app, address=EDITORS_DESK) == 0
    assert failures(locked_app, address=ATTACKER) == 3


def guess_in_parallel(app, names: list[str]) -> Counter:
    """Send one wrong guess per name at once, from one address; count the answers."""
    ready = []
    for _ in names:
        client = from_address(app, ATTACKER)
        form = parse(client.get("/login")).select_one('main form[method="post"]')
        ready.append((client, form_fields(form)))
    start = threading.Barrier(len(names))

    def guess(job):
        (client, fields), name = job
        start.wait()
        return client.post("/login", data={**fields, "name": name, "password": WRONG}).status_code

    with ThreadPoolExecutor(len(names)) as pool:
        return Counter(pool.map(guess, zip(ready, names, strict=True)))


@pytest.mark.parametrize(
    ("spread", "limit_setting"),
    [("one name", "LOGIN_MAX_FAILURES"), ("a name each", "LOGIN_ADDRESS_MAX_FAILURES")],
)
def test_parallel_guesses_let_exactly_the_limit_through(locked_app, spread, limit_setting, capsys):
    names = ["ada"] * PARALLEL_GUESSES if spread == "one name" else [f"guess{n}" for n in range(PARALLEL_GUESSES)]
    statuses = guess_in_parallel(locked_app, names)
    limit = locked_app.config[limit_setting]
    with capsys.disabled():
        print(f"\n{PARALLEL_GUESSES} parallel guesses, {spread}: {dict(statuses)} (limit {limit})")
    assert statuses == {401: limit, 429: PARALLEL_GUESSES - limit}
    assert failures(locked_app) == limit


@pytest.mark.server
@pytest.mark.parametrize(("spread", "limit"), [("one name", 5), ("a name each", 20)])
def test_through_gunicorn_parallel_guesses_let_exactly_the_limit_through(tmp_path, database_url, spread, limit):
    settings = {"MESSAGEBOARD_SESSION_COOKIE_SECURE": "false"}
    if database_url:
        settings["MESSAGEBOARD_DATABASE_URL"] = database_url
    with LiveServer(tmp_path / "gunicorn.log", workers=6, **production_site(tmp_path, **settings)) as server:
        names = (
            ["tester"] * PARALLEL_GUESSES if spread == "one name" else [f"guess{n}" for n in range(PARALLEL_GUESSES)]
        )
        browsers = [Browser(server.url) for _ in names]
        forms = [browser.form("/login")[1] for browser in browsers]
        start = threading.Barrier(len(names))

        def guess(number):
            start.wait()
            fields = {**forms[number], "name": names[number], "password": WRONG}
            return browsers[number].open("/login", fields).status

        with ThreadPoolExecutor(len(names)) as pool:
            statuses = Counter(pool.map(guess, range(len(names))))
        print(f"\n{PARALLEL_GUESSES} parallel guesses through gunicorn, {spread}: {dict(statuses)} (limit {limit})")
        assert statuses == {401: limit, 429: PARALLEL_GUESSES - limit}, server.log()[-2000:]


def test_the_limits_are_settings_with_these_defaults(locked_app):
    assert {
        name: locked_app.config[name]
        for name in (
            "LOGIN_MAX_FAILURES",
            "LOGIN_ADDRESS_MAX_FAILURES",
            "LOGIN_NAME_MAX_FAILURES",
            "LOGIN_NAME_MAX_DELAY",
            "LOGIN_FAILURE_WINDOW",
        )
    } == {
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_ADDRESS_MAX_FAILURES": 20,
        "LOGIN_NAME_MAX_FAILURES": 20,
        "LOGIN_NAME_MAX_DELAY": 60,
        "LOGIN_FAILURE_WINDOW": 900,
    }


def test_logins_of_one_name_and_address_ending_together_do_not_deadlock(make_app):
    """Two logins of one editor from one address (tabs, or colleagues behind one NAT) that succeed at
    once each clear that name's failures from that address: their deletes must not wait on each
    other. Each is held after its first delete until the other's has run, if it can run; on
    PostgreSQL, where writers run side by side, one of them was aborted as a deadlock (a 503)."""
    app = make_app(DATABASE_POOL_SIZE=2)  # a connection for each
    with app.app_context():
        places = [throttle.take_place("ada", EDITORS_DESK) for _ in range(2)]
        both_deleted_one = threading.Barrier(2, timeout=1)

        def hold_after_first_delete(_connection, _cursor, statement, *_):
            if statement.startswith("DELETE FROM login_failures") and "name" in statement:
                with contextlib.suppress(threading.BrokenBarrierError):  # the other waits for this one
                    both_deleted_one.wait()

        def succeed(place):
            with app.app_context():
                throttle.succeeded(place, "ada", EDITORS_DESK)

        event.listen(db.engine, "before_cursor_execute", hold_after_first_delete)
        try:
            with ThreadPoolExecutor(2) as pool:
                list(pool.map(succeed, places))  # raises what either raised
        finally:
            event.remove(db.engine, "before_cursor_execute", hold_after_first_delete)
    assert failures(app) == 0
