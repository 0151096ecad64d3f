"""The database under the pages: 503 while it cannot answer, pool limits, and writes by other clients."""

import logging

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError, ProgrammingError

from messageboard import store
from messageboard.auth.sessions import TOKEN_KEY
from messageboard.core import ConfigError
from messageboard.database import postgres as postgres_backend
from messageboard.database.errors import is_unavailable
from messageboard.database.migrate import INIT_COMMAND
from messageboard.errors import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS
from messageboard.extensions import db
from messageboard.page_cache import cached_pages
from messageboard.startup import check_schema
from tests.helpers import parse, submit_form
from tests.live_server import free_port
from tests.test_errors import assert_site_page


@pytest.fixture
def postgres_url(postgres):
    """A fresh PostgreSQL schema's URL."""
    with postgres.schema() as url:
        yield url


@pytest.fixture
def unreachable_app(make_app):
    """An app whose PostgreSQL server refuses connections (nothing listens on its port)."""
    return make_app(
        DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing",
        DATABASE_CONNECT_TIMEOUT=2,
        init_database=False,
    )


def assert_unavailable_page(response):
    """Assert the site's 503 page, saying nothing was changed, with a Retry-After."""
    page = assert_site_page(response, 503, "Service Unavailable")
    assert page.select_one(".error-description").get_text() == DATABASE_UNAVAILABLE
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_an_app_starts_while_its_database_is_unreachable_without_trying_it(make_app, caplog):
    """A worker restarted during an outage must boot; the app opens no connection until a request."""
    with caplog.at_level(logging.WARNING):
        app = make_app(
            DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing", init_database=False
        )
    assert app.name == "messageboard"
    assert caplog.records == []


@pytest.mark.parametrize("path", ["/", "/messages/default", "/messages/default/edit"])
def test_pages_answer_503_while_the_database_is_unreachable(unreachable_app, path, caplog):
    with caplog.at_level(logging.ERROR):
        assert_unavailable_page(unreachable_app.test_client().get(path))
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 1 and logged[0].startswith(f"Database unavailable for GET {path}: connection failed")


@pytest.mark.parametrize("path", ["/show/default", "/hello", "/add/k/t"])
def test_plain_text_routes_answer_503_in_plain_text_while_the_database_is_unreachable(unreachable_app, path, caplog):
    with caplog.at_level(logging.ERROR):
        response = unreachable_app.test_client().get(path)
    assert (response.status_code, response.mimetype) == (503, "text/plain")
    assert response.get_data(as_text=True) == DATABASE_UNAVAILABLE
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 1 and logged[0].startswith(f"Database unavailable for GET {path}: connection failed")


def test_a_form_posted_while_the_database_is_unreachable_answers_503(unreachable_app):
    response = submit_form(unreachable_app.test_client(), "/messages/new", {"key": "k", "text": "t"})
    assert_unavailable_page(response)


NOT_A_DATABASE = b"This file is text, not an SQLite database. " * 100


@pytest.fixture
def damaged_app(make_app, tmp_path):
    """An app whose SQLite file is not a database (overwritten, or another file put in its place)."""
    app = make_app(PAGE_CACHE_SIZE=0, init_database=False)
    (tmp_path / "instance" / "messageboard.sqlite3").write_bytes(NOT_A_DATABASE)
    return app


def test_a_damaged_sqlite_file_answers_503_logged_once_not_a_500(damaged_app, caplog):
    """SQLite's bare DatabaseError ("file is not a database") was not among the handled errors."""
    client = damaged_app.test_client()
    with caplog.at_level(logging.ERROR):
        for _ in range(2):
            assert_unavailable_page(client.get("/"))
            response = client.get("/hello")
            assert (response.status_code, response.mimetype) == (503, "text/plain")
            assert response.get_data(as_text=True) == DATABASE_UNAVAILABLE
    logged = [record.getMessage() for record in caplog.records]
    assert logged == ["Database unavailable for GET /: file is not a database"]


def test_a_damaged_sqlite_file_stops_the_start_in_one_line_naming_what_to_do(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "messageboard.sqlite3").write_bytes(NOT_A_DATABASE)
    monkeypatch.setenv("MESSAGEBOARD_CONFIG", "testing")
    monkeypatch.setenv("MESSAGEBOARD_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("MESSAGEBOARD_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as refusal:
        check_schema()
    assert str(refusal.value) == (
        "DATABASE_URL: the database is damaged or is not an SQLite file (file is not a database): restore it "
        f"from a backup, or move it away and run `{INIT_COMMAND}` for an empty one"
    )


@pytest.mark.parametrize(
    ("error_class", "unavailable"),
    [(DatabaseError, True), (OperationalError, True), (IntegrityError, False), (ProgrammingError, False)],
)
def test_only_the_bare_database_error_and_the_transient_ones_are_the_databases_failing(error_class, unavailable):
    """An IntegrityError nobody caught is a bug: it must stay a logged 500, not pass for an outage."""
    assert is_unavailable(error_class("SELECT 1", {}, Exception("why"))) is unavailable


def test_a_logged_in_editor_gets_the_503_page_not_a_500(unreachable_app):
    """Checking the login is the request's first query: the error page must not query again."""
    client = unreachable_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1"
        session[TOKEN_KEY] = "a login's token"
    response = client.get("/messages/new")  # a page that reads nothing but the editor
    assert_unavailable_page(response)
    assert parse(response).select_one(".editor-name") is None


def test_the_pool_is_capped_per_worker(make_app, postgres_url):
    engine = make_app(DATABASE_URL=postgres_url).extensions["messageboard.database"].engine
    assert (engine.pool.size(), engine.pool._max_overflow, engine.pool._timeout) == (1, 0, 5)


def backend_pid(connection) -> int:
    """The PostgreSQL server process serving this connection."""
    return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


def test_a_pooled_connection_that_died_while_idle_is_replaced_before_use(make_app, postgres_url, postgres, monkeypatch):
    """A restart or failover kills the pool's connections; the next request must not see it."""
    app = make_app(DATABASE_URL=postgres_url, PAGE_CACHE_SIZE=0)
    client = app.test_client()
    with app.app_context():
        with db.engine.connect() as connection:
            first = backend_pid(connection)
        postgres.execute(f"SELECT pg_terminate_backend({first})")
        monkeypatch.setattr(postgres_backend, "CHECK_AFTER_IDLE_SECONDS", 0)  # as after a pause
        assert client.get("/messages/default").status_code == 200
        with db.engine.connect() as connection:
            assert backend_pid(connection) != first


@pytest.mark.parametrize(("idle_seconds", "checks"), [(1.0, 0), (0, 2)])
def test_only_a_connection_idle_for_a_while_is_checked(make_app, postgres_url, monkeypatch, idle_seconds, checks):
    """Under load the check costs nothing: a connection that just answered goes straight back to
    work (the first use of a new connection is never checked)."""
    monkeypatch.setattr(postgres_backend, "CHECK_AFTER_IDLE_SECONDS", idle_seconds)
    app = make_app(DATABASE_URL=postgres_url, init_database=False)
    dialect = app.extensions["messageboard.database"].engine.dialect
    pings = []
    monkeypatch.setattr(dialect, "do_ping", lambda connection: pings.append(connection) or True)
    with app.app_context():
        for _ in range(3):
            with db.reading() as connection:
                connection.execute(text("SELECT 42"))
    assert len(pings) == checks


def test_a_request_waiting_past_the_pool_timeout_answers_503_then_the_site_recovers(make_app, postgres_url):
    app = make_app(DATABASE_URL=postgres_url, DATABASE_POOL_SIZE=1, DATABASE_POOL_TIMEOUT=0.2)
    client = app.test_client()
    with app.app_context():
        held = db.engine.connect()  # the worker's only connection, busy elsewhere
        assert_unavailable_page(client.get("/messages/default"))
        held.close()
    assert client.get("/messages/default").status_code == 200


@pytest.fixture
def reader_url(postgres, postgres_url):
    """The URL of a role that may only read the schema of ``postgres_url`` (an export's, say)."""
    url = make_url(postgres_url)
    schema = url.query["options"].removeprefix("-csearch_path=").split(",")[0]
    role = f"reader_{schema}"
    postgres.execute(f'CREATE ROLE "{role}" LOGIN')
    try:
        yield url.set(username=role).render_as_string(hide_password=False)
    finally:
        postgres.execute(f'DROP OWNED BY "{role}"')
        postgres.execute(f'DROP ROLE "{role}"')


def test_a_role_that_may_only_read_can_start_on_a_set_up_database(make_app, postgres, postgres_url, reader_url):
    """Starting runs no DDL once the tables are there, so a read-only role (an export's) can start."""
    make_app(DATABASE_URL=postgres_url)  # the owner sets the database up
    schema = make_url(reader_url).username.removeprefix("reader_")
    postgres.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "reader_{schema}"')
    postgres.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "reader_{schema}"')
    reader = make_app(DATABASE_URL=reader_url, init_database=False)
    with reader.app_context():
        assert store.schema_state().is_current  # what a server checks at start, with no lock and no DDL
    client = reader.test_client()
    assert (
        parse(client.get("/messages/default")).select_one(".message-text").get_text() == "Hello to the World of Flask!"
    )


def test_a_psql_write_shows_on_the_next_page(make_app, postgres_url):
    """A change made outside the app (psql, a script) moves the change counter the page cache watches."""
    client = make_app(DATABASE_URL=postgres_url).test_client()
    assert (
        parse(client.get("/messages/default")).select_one(".message-text").get_text() == "Hello to the World of Flask!"
    )
    client.get("/messages/default")  # now answered from the page cache
    outside = create_engine(postgres_url)
    with outside.begin() as connection:
        connection.execute(text("UPDATE messages SET text = 'Changed in psql' WHERE key = 'default'"))
    outside.dispose()
    assert parse(client.get("/messages/default")).select_one(".message-text").get_text() == "Changed in psql"


def test_the_page_cache_reconnects_after_its_counter_connection_dies(make_app, postgres_url, postgres):
    """A restart kills the counter's connection too: that page is rendered afresh, the next are cached."""
    app = make_app(DATABASE_URL=postgres_url)
    client = app.test_client()
    assert client.get("/messages/default").status_code == 200
    counter = app.extensions["messageboard.database"].counter
    postgres.execute(f"SELECT pg_terminate_backend({counter._connection.info.backend_pid})")
    pages = cached_pages(app)
    hits = pages.hits
    assert client.get("/messages/default").status_code == 200  # the counter failed: rendered, not cached
    assert client.get("/messages/default").status_code == 200
    assert pages.hits == hits + 1


def test_the_change_counter_moves_once_per_writing_transaction_when_it_commits(make_app, postgres_url):
    """At commit, the last lock a writer takes, so writers taking rows in different orders never
    deadlock on it; and once, however many rows changed."""
    app = make_app(DATABASE_URL=postgres_url)
    counter = db.change_counter(app)
    with app.app_context():
        before = counter()
        with db.writing() as connection:
            connection.execute(text("UPDATE messages SET text = 'one' WHERE key = 'default'"))
            connection.execute(text("UPDATE messages SET text = 'two' WHERE key = 'default'"))
            assert counter() == before  # read on another connection: nothing committed yet
        assert counter() == before + 1
        store.add_many((f"bulk-{number}", "text") for number in range(50))
        assert counter() == before + 2
        with db.writing() as connection:
            connection.execute(text("UPDATE messages SET text = 'nothing' WHERE key = 'missing'"))
        assert counter() == before + 2
