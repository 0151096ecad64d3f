"""Logins end when they should: a cookie saved before logout, an expiry, `flask editors logout`, a
password change or `flask editors remove` opens nothing afterwards, its CSRF token included."""

from __future__ import annotations

import http.cookiejar
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from messageboard.auth.sessions import TOKEN_KEY
from messageboard.database.schema import editors, login_sessions, messages, utcnow
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD as PASSWORD
from tests.helpers import form_fields, parse, production_site, submit_form
from tests.live_server import EDITOR, EDITOR_PASSWORD, Browser, LiveServer

pytestmark = pytest.mark.both_databases

NEW_PASSWORD = "a new and longer password"


def log_in(app, password=PASSWORD):
    """A client logged in as ada."""
    client = app.test_client()
    response = submit_form(client, "/login", {"name": "ada", "password": password})
    assert response.status_code == 303, parse(response).select(".errors")
    return client


def saved(client) -> tuple[object, str]:
    """What an attacker copies from a logged-in browser: its session cookie and a form's CSRF token."""
    form = parse(client.get("/messages/new")).select_one('main form[method="post"]')
    return client.get_cookie("session"), form_fields(form)["csrf_token"]


def replay(app, cookie, csrf_token, key="stolen"):
    """Use a saved cookie in a fresh client to add ``key``: return (the add form's status, the POST's)."""
    client = app.test_client()
    client.set_cookie(cookie.key, cookie.value)
    form_status = client.get("/messages/new").status_code
    posted = client.post("/messages/new", data={"csrf_token": csrf_token, "key": key, "text": "Was it?"})
    return form_status, posted.status_code


def message_keys(app) -> list[str]:
    with app.app_context(), db.reading() as connection:
        return connection.execute(select(messages.c.key).order_by(messages.c.key)).scalars().all()


def cli(app, *arguments, answer=None):
    return app.test_cli_runner().invoke(args=["editors", *arguments], input=answer)


def age_logins(app, **ages: timedelta) -> None:
    """Move every login's ``started_at`` / ``last_seen_at`` back by the given ages."""
    with app.app_context(), db.writing() as connection:
        for column, age in ages.items():
            connection.execute(update(login_sessions).values({column: utcnow() - age}))


def log_out(client):
    logout = parse(client.get("/")).select_one("form.logout")
    assert client.post(logout["action"], data=form_fields(logout)).status_code == 303


ENDINGS: dict[str, Callable] = {
    "logout": lambda app, client: log_out(client),
    "editors logout": lambda app, client: cli(app, "logout", "ada"),
    "editors password": lambda app, client: cli(app, "password", "ada", answer=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"),
    "editors remove": lambda app, client: cli(app, "remove", "ada"),
    "idle for SESSION_IDLE_TIMEOUT": lambda app, client: age_logins(
        app, last_seen_at=timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"])
    ),
    "SESSION_MAX_AGE after login": lambda app, client: age_logins(
        app, started_at=timedelta(seconds=app.config["SESSION_MAX_AGE"])
    ),
}


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_cookie_saved_before_a_login_ends_opens_nothing_after(locked_app, ending):
    client = log_in(locked_app)
    cookie, csrf_token = saved(client)
    assert replay(locked_app, cookie, csrf_token, key="copied") == (200, 303)  # the copy works before
    ENDINGS[ending](locked_app, client)
    form_status, post_status = replay(locked_app, cookie, csrf_token)
    assert form_status == 302  # the form asks to log in
    assert post_status == 400  # the token went with the login
    assert message_keys(locked_app) == ["copied", "default"]
    assert client.get("/messages/new").status_code == 302  # the browser that logged in too


def test_the_defaults_are_twelve_hours_idle_and_seven_days_in_all(locked_app):
    assert locked_app.config["SESSION_IDLE_TIMEOUT"] == 12 * 60 * 60
    assert locked_app.config["SESSION_MAX_AGE"] == 7 * 24 * 60 * 60
    # Flask refuses a cookie signed longer ago than that, whatever the table says.
    assert locked_app.permanent_session_lifetime == timedelta(days=7)


def test_a_login_in_use_outlives_the_idle_timeout_but_not_the_maximum_age(make_app):
    app = make_app(ANONYMOUS_EDITING=False, SESSION_IDLE_TIMEOUT=2, SESSION_MAX_AGE=5)
    cli(app, "add", "ada", answer=f"{PASSWORD}\n{PASSWORD}\n")
    client = log_in(app)
    for _ in range(4):  # 1.2 s apart, 4.8 s in all: past the idle timeout twice over
        time.sleep(1.2)
        assert client.get("/messages/new").status_code == 200
    time.sleep(0.5)
    assert client.get("/messages/new").status_code == 302


def test_a_login_left_idle_ends(make_app):
    app = make_app(ANONYMOUS_EDITING=False, SESSION_IDLE_TIMEOUT=1)
    cli(app, "add", "ada", answer=f"{PASSWORD}\n{PASSWORD}\n")
    client = log_in(app)
    assert client.get("/messages/new").status_code == 200
    time.sleep(1.2)
    assert client.get("/messages/new").status_code == 302
    with client.session_transaction() as session:
        assert set(session) == {"_flashes"}  # the login's keys are gone; "log in" waits to be shown


def test_logging_out_ends_only_that_login(locked_app):
    laptop, phone = log_in(locked_app), log_in(locked_app)
    log_out(laptop)
    assert laptop.get("/messages/new").status_code == 302
    assert phone.get("/messages/new").status_code == 200


def test_editors_logout_and_password_end_every_login_and_say_how_many(locked_app):
    first, second = log_in(locked_app), log_in(locked_app)
    result = cli(locked_app, "logout", "ada")
    assert (result.exit_code, result.output) == (0, "Ended 2 logins of ada.\n")
    assert first.get("/messages/new").status_code == second.get("/messages/new").status_code == 302

    log_in(locked_app)
    result = cli(locked_app, "password", "ada", answer=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("Changed the password of ada and ended 1 login.\n")
    assert NEW_PASSWORD not in result.output  # the prompt hides it
    old = submit_form(locked_app.test_client(), "/login", {"name": "ada", "password": PASSWORD})
    assert old.status_code == 401
    log_in(locked_app, NEW_PASSWORD)


def test_editors_password_stores_only_a_hash_and_refuses_unknown_names_before_asking(locked_app):
    cli(locked_app, "password", "ada", answer=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    with locked_app.app_context(), db.reading() as connection:
        stored = connection.execute(select(editors.c.password_hash)).scalar_one()
    assert NEW_PASSWORD not in stored and stored.startswith("scrypt:")

    result = cli(locked_app, "password", "nobody")
    assert result.exit_code == 1
    assert result.output == "Error: There is no editor named 'nobody'.\n"  # no prompt first
    result = cli(locked_app, "password", "ada", answer="short\nshort\n")
    assert result.exit_code == 1 and "at least" in result.output


def test_editors_logout_of_nobody_fails_in_one_line(locked_app):
    result = cli(locked_app, "logout", "nobody")
    assert (result.exit_code, result.output) == (1, "Error: There is no editor named 'nobody'.\n")


def test_a_session_naming_an_editor_without_a_recorded_login_is_ended(locked_app):
    """A cookie from before logins were recorded (or signed with a leaked key) names only an id."""
    client = locked_app.test_client()
    with locked_app.app_context(), db.reading() as connection:
        editor_id = connection.execute(select(editors.c.id)).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"] = str(editor_id)
    assert client.get("/messages/new").status_code == 302
    with client.session_transaction() as session:
        assert set(session) == {"_flashes"}


def test_a_token_of_another_editors_login_opens_nothing(locked_app):
    cli(locked_app, "add", "bob", answer=f"{PASSWORD}\n{PASSWORD}\n")
    client = log_in(locked_app)
    with client.session_transaction() as session:
        token = session[TOKEN_KEY]
    with locked_app.app_context(), db.reading() as connection:
        bob = connection.execute(select(editors.c.id).where(editors.c.name == "bob")).scalar_one()
    with client.session_transaction() as session:
        session["_user_id"] = str(bob)
        session[TOKEN_KEY] = token
    assert client.get("/messages/new").status_code == 302


def test_a_visitor_without_a_login_costs_no_record(locked_app):
    visitor = locked_app.test_client()
    assert visitor.get("/messages/new").status_code == 302
    assert visitor.get("/login").status_code == 200
    with locked_app.app_context(), db.reading() as connection:
        assert connection.execute(select(func.count()).select_from(login_sessions)).scalar_one() == 0


def test_only_the_tokens_hash_is_stored(locked_app):
    client = log_in(locked_app)
    with client.session_transaction() as session:
        token = session[TOKEN_KEY]
    with locked_app.app_context(), db.reading() as connection:
        stored = connection.execute(select(login_sessions.c.token_hash)).scalar_one()
    assert token not in stored and len(stored) == 64


def test_logins_older_than_the_maximum_age_are_forgotten_at_the_next_login(locked_app):
    log_in(locked_app)
    age_logins(locked_app, started_at=timedelta(seconds=locked_app.config["SESSION_MAX_AGE"] + 1))
    log_in(locked_app)
    with locked_app.app_context(), db.reading() as connection:
        assert connection.execute(select(func.count()).select_from(login_sessions)).scalar_one() == 1


def copied(jar: http.cookiejar.CookieJar) -> http.cookiejar.CookieJar:
    copy = http.cookiejar.CookieJar()
    for cookie in jar:
        copy.set_cookie(cookie)
    return copy


@pytest.mark.server
def test_across_two_gunicorn_workers_and_two_processes_an_ended_login_opens_nothing(tmp_path, database_url):
    shared = {
        "MESSAGEBOARD_SECRET_KEY": "shared-test-secret",
        "MESSAGEBOARD_DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        # urllib's cookie jar returns a Secure cookie only over https.
        "MESSAGEBOARD_SESSION_COOKIE_SECURE": "false",
    }
    host_a = LiveServer(tmp_path / "a.log", workers=2, **production_site(tmp_path / "a", **shared))
    host_b = LiveServer(tmp_path / "b.log", workers=2, **production_site(tmp_path / "b", **shared))
    with host_a, host_b:
        host_a.add_editor()
        browser = Browser(host_a.url)
        browser.log_in(EDITOR, EDITOR_PASSWORD)
        stolen = copied(browser.cookies)
        _, fields = browser.form("/messages/new")
        for host in (host_a, host_b):
            assert Browser(host.url, copied(stolen)).get("/messages/new")[0] == 200

        assert browser.open("/logout", {"csrf_token": fields["csrf_token"]}).status == 200  # after the redirect
        for host in (host_a, host_b):
            thief = Browser(host.url, copied(stolen))
            # Several requests, so that both of the host's workers are asked.
            for _ in range(4):
                reply = thief.open("/messages/new")
                assert reply.status == 200 and reply.page().select_one("form input[name=password]") is not None
                thief = Browser(host.url, copied(stolen))
            posted = thief.open("/messages/new", {**fields, "key": "stolen", "text": "Was it?"})
            assert posted.status == 400
        assert Browser(host_b.url).get("/messages/stolen")[0] == 404
