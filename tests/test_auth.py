"""Editor accounts: who may change messages, logging in and out, `flask editors`.

Throttling is in test_login_throttle.py; logins ending, in test_login_sessions.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from messageboard import store
from messageboard.database.schema import editors, login_failures, messages
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD as PASSWORD
from tests.helpers import form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases


@pytest.fixture
def visitor(locked_app):
    return locked_app.test_client()


def log_in(client, name="ada", password=PASSWORD, next_url=""):
    """Submit the login form; return the response."""
    return submit_form(
        client, f"/login?next={next_url}" if next_url else "/login", {"name": name, "password": password}
    )


def row_count(app) -> int:
    with app.app_context(), db.reading() as connection:
        return connection.execute(select(func.count()).select_from(messages)).scalar_one()


@pytest.mark.parametrize("path", ["/messages/new", "/messages/default/edit", "/messages/default/delete"])
def test_visitors_are_sent_to_log_in_and_come_back_after(visitor, path):
    response = visitor.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next={path.replace('/', '%2F')}"
    assert log_in(visitor, next_url=path).headers["Location"] == path
    assert visitor.get(path).status_code == 200


def test_a_visitors_post_changes_nothing(visitor, locked_app):
    page = visitor.get("/messages/new")
    assert page.status_code == 302
    csrf = parse(visitor.get("/login")).select_one('input[name="csrf_token"]')["value"]
    response = visitor.post("/messages/new", data={"csrf_token": csrf, "key": "sneaky", "text": "Not allowed"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert row_count(locked_app) == 1


def test_the_plain_text_add_route_follows_the_same_rule(visitor, locked_app):
    response = visitor.get("/add/sneaky/Not%20allowed")
    assert response.status_code == 403
    assert response.mimetype == "text/plain"
    assert "editor's login" in response.get_data(as_text=True)
    assert row_count(locked_app) == 1

    log_in(visitor)
    assert visitor.get("/add/allowed/Hello").get_data(as_text=True) == "allowed Added/Updated"
    assert row_count(locked_app) == 2


def test_an_editor_adds_edits_and_deletes_then_logs_out(visitor, locked_app):
    log_in(visitor)
    assert submit_form(visitor, "/messages/new", {"key": "note", "text": "First"}).status_code == 303
    assert submit_form(visitor, "/messages/note/edit", {"text": "Second"}).status_code == 303
    with locked_app.app_context():
        assert store.get_message("note").text == "Second"

    home = parse(visitor.get("/"))
    assert home.select_one(".editor-name").get_text() == "ada"
    logout = home.select_one("form.logout")
    response = visitor.post(logout["action"], data=form_fields(logout))
    assert response.status_code == 303
    assert parse(visitor.get("/")).select_one("form.logout") is None
    assert visitor.get("/messages/note/delete").status_code == 302


def test_a_wrong_password_or_name_is_refused_alike_and_counted(visitor, locked_app):
    for name, password in (("ada", "wrong password!"), ("nobody", PASSWORD)):
        response = log_in(visitor, name, password)
        assert response.status_code == 401
        assert parse(response).select_one("#password-errors").get_text(strip=True) == "Wrong name or password."
        assert parse(response).select_one("#name")["value"] == name
    with locked_app.app_context(), db.reading() as connection:
        assert connection.execute(select(login_failures.c.name).order_by(login_failures.c.id)).scalars().all() == [
            "ada",
            "nobody",
        ]
    assert visitor.get("/messages/new").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        " /messages/new",
        "/messages/\tnew",
        "messages/new",
        "http:/evil.example",
    ],
)
def test_next_only_ever_leads_to_this_site(visitor, target):
    assert (
        log_in(
            visitor,
            next_url=target.replace("\\", "%5C")
            .replace("\t", "%09")
            .replace(" ", "%20")
            .replace("/", "%2F")
            .replace(":", "%3A"),
        ).headers["Location"]
        == "/"
    )


def test_next_keeps_a_path_with_its_query(visitor):
    assert log_in(visitor, next_url="%2F%3Fpage%3D2%26q%3Dx").headers["Location"] == "/?page=2&q=x"


def test_logging_in_starts_a_new_session(visitor):
    with visitor.session_transaction() as session:
        session["planted"] = "by someone else"
    log_in(visitor)
    with visitor.session_transaction() as session:
        assert "planted" not in session and session["_user_id"]


def test_logout_is_a_post_with_a_token(visitor):
    log_in(visitor)
    assert visitor.get("/logout").status_code == 405
    assert visitor.post("/logout").status_code == 400  # no CSRF token
    assert parse(visitor.get("/")).select_one("form.logout") is not None


def test_flask_editors_add_asks_for_the_password_twice_and_stores_only_a_hash(locked_app):
    runner = locked_app.test_cli_runner()
    result = runner.invoke(args=["editors", "add", "grace"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Added editor grace." in result.output and PASSWORD not in result.output
    with locked_app.app_context(), db.reading() as connection:
        stored = connection.execute(select(editors.c.password_hash).where(editors.c.name == "grace")).scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert runner.invoke(args=["editors", "list"]).output.splitlines()[1].startswith("grace\tadded ")


def test_flask_editors_add_refuses_short_passwords_taken_names_and_passwords_on_the_command_line(locked_app):
    runner = locked_app.test_cli_runner()
    short = runner.invoke(args=["editors", "add", "grace"], input="short\nshort\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    taken = runner.invoke(args=["editors", "add", "ada"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert taken.exit_code == 1 and "already an editor named 'ada'" in taken.output
    assert runner.invoke(args=["editors", "add", "grace", "--password", PASSWORD]).exit_code == 2
    bad_name = runner.invoke(args=["editors", "add", "no spaces"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert bad_name.exit_code == 1 and "1 to 64 letters" in bad_name.output
    missing = runner.invoke(args=["editors", "remove", "nobody"])
    assert missing.exit_code == 1 and "no editor named 'nobody'" in missing.output


@pytest.mark.parametrize(
    ("config", "anonymous"), [("development", True), ("testing", True), ("staging", False), ("production", False)]
)
def test_anonymous_editing_is_on_only_in_development_and_testing(make_app, config, anonymous):
    app = make_app(config, SECRET_KEY="a-secret-of-this-test")
    assert app.config["ANONYMOUS_EDITING"] is anonymous
    status = app.test_client().get("/messages/new").status_code
    assert status == (200 if anonymous else 302)


def test_production_session_cookies_are_secure_httponly_and_lax(make_app):
    app = make_app("production", SECRET_KEY="a-secret-of-this-test")
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")[1:]}
    assert {"secure", "httponly"} <= set(attributes)
    assert attributes["samesite"].strip() == "SameSite=Lax"


def test_a_visitor_sees_a_log_in_link_where_editing_needs_one(visitor, make_app):
    link = parse(visitor.get("/messages/default")).select_one('nav a[href^="/login"]')
    assert link["href"] == "/login?next=/messages/default"
    assert parse(make_app().test_client().get("/")).select_one('nav a[href^="/login"]') is None
