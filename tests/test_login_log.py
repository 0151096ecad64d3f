"""The login log: each login whose password was checked is kept (name, address, time, outcome) and
`flask editors log` prints them, newest first; refused logins and old entries are not kept."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from messageboard.database.schema import login_events, utcnow
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD, submit_form

pytestmark = pytest.mark.both_databases

WRONG = "not the password!"


def log_in(app, name: str, password: str, address: str = "198.51.100.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return submit_form(client, "/login", {"name": name, "password": password})


def printed(app, *options: str) -> list[list[str]]:
    """`flask editors log`'s lines, split into their columns."""
    result = app.test_cli_runner().invoke(args=["editors", "log", *options])
    assert result.exit_code == 0, result.output
    return [line.split("\t") for line in result.output.splitlines()]


def logged(app) -> int:
    with app.app_context(), db.reading() as connection:
        return connection.execute(select(func.count()).select_from(login_events)).scalar_one()


def test_each_checked_login_is_logged_with_its_name_address_time_and_outcome(locked_app):
    assert log_in(locked_app, "ada", WRONG, "203.0.113.66").status_code == 401
    assert log_in(locked_app, "mallory", WRONG, "203.0.113.66").status_code == 401
    assert log_in(locked_app, "ada", ADA_PASSWORD).status_code == 303
    lines = printed(locked_app)
    assert [line[1:] for line in lines] == [
        ["ada", "198.51.100.7", "logged in"],
        ["mallory", "203.0.113.66", "unknown name"],
        ["ada", "203.0.113.66", "wrong password"],
    ]
    moment = datetime.strptime(lines[0][0], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=utcnow().tzinfo)
    assert timedelta(0) <= utcnow() - moment < timedelta(minutes=1)


def test_the_log_can_show_one_name_failures_only_and_fewer_lines(locked_app):
    for name in ("ada", "grace", "ada"):
        log_in(locked_app, name, WRONG)
    log_in(locked_app, "ada", ADA_PASSWORD)
    assert [line[1:] for line in printed(locked_app, "--name", "grace")] == [["grace", "198.51.100.7", "unknown name"]]
    assert [line[3] for line in printed(locked_app, "--name", "ada", "--failed")] == ["wrong password"] * 2
    assert [line[3] for line in printed(locked_app, "--limit", "1")] == ["logged in"]
    assert printed(locked_app, "--name", "nobody") == [["No logins are logged that match."]]


def test_an_empty_log_says_so(locked_app):
    assert printed(locked_app) == [["No logins are logged yet."]]


def test_logins_the_throttle_refused_are_not_logged(locked_app):
    limit = locked_app.config["LOGIN_MAX_FAILURES"]
    statuses = [log_in(locked_app, "ada", WRONG).status_code for _ in range(limit + 5)]
    assert statuses.count(429) == 5
    assert logged(locked_app) == limit


def test_a_typed_name_that_would_fool_a_terminal_is_printed_escaped(locked_app):
    log_in(locked_app, "ada\u202egnp.exe", WRONG)
    assert printed(locked_app)[0][1] == "ada\\u202egnp.exe"


def test_entries_older_than_login_log_days_are_removed_as_new_ones_are_written(make_app):
    app = make_app(ANONYMOUS_EDITING=False, LOGIN_LOG_DAYS=30)
    with app.app_context(), db.writing() as connection:
        for age in (29, 31):
            connection.execute(
                insert(login_events).values(
                    name=f"aged-{age}", address="192.0.2.1", at=utcnow() - timedelta(days=age), outcome="wrong password"
                )
            )
    log_in(app, "someone", WRONG)
    assert [line[1] for line in printed(app)] == ["someone", "aged-29"]
