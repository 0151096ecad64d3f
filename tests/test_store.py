"""The store on a real SQLite file and a real PostgreSQL database: schema, counts, search, versions,
concurrent writers and the indexes that keep reads fast."""

import contextlib
import multiprocessing
import threading
import time

import pytest
from sqlalchemy import text

from messageboard import create_app, store
from messageboard.extensions import db

pytestmark = pytest.mark.both_databases


@pytest.fixture
def context(app):
    """An app context for calling the store directly."""
    with app.app_context():
        yield app


def test_schema_creation_is_idempotent_and_seeds_default_once(context):
    assert store.upgrade_schema().is_current
    store.delete_message("default")
    store.upgrade_schema()
    assert store.get_message("default") is None
    assert store.list_messages().total == 0


def test_database_is_a_file_in_the_instance_folder_in_wal_mode(context):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's file and journal")
    database_file = context.instance_path + "/messageboard.sqlite3"
    assert db.engine.url.database == database_file
    with db.reading() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_count_follows_adds_puts_and_deletes(context):
    store.add_message("a", "x")
    store.add_many([("b", "y"), ("c", "z")])
    store.put_message("d", "w")
    store.put_message("d", "w2")
    store.delete_message("a")
    with db.reading() as connection:
        actual = connection.exec_driver_sql("SELECT count(*) FROM messages").scalar()
    assert store.list_messages().total == actual == 4


def test_add_of_a_taken_key_raises_and_writes_nothing(context):
    with pytest.raises(store.KeyTaken):
        store.add_message("default", "again")
    assert store.get_message("default").text == "Hello to the World of Flask!"
    assert store.list_messages().total == 1


def test_update_checks_the_revision(context):
    original = store.add_message("v", "one")
    updated = store.update_message("v", "two", based_on=original.revision)
    assert (updated.text, updated.version) == ("two", 2)
    with pytest.raises(store.VersionConflict) as conflict:
        store.update_message("v", "three", based_on=original.revision)
    assert conflict.value.current == updated


def test_update_of_a_deleted_message_is_a_conflict_with_nothing_current(context):
    original = store.add_message("v", "one")
    store.delete_message("v")
    with pytest.raises(store.VersionConflict) as conflict:
        store.update_message("v", "two", based_on=original.revision)
    assert conflict.value.current is None


def test_delete_of_a_missing_message_raises(context):
    with pytest.raises(store.MessageNotFound):
        store.delete_message("missing")


def test_search_index_follows_edits_and_deletes(context):
    first = store.add_message("x1", "apples and pears")
    store.update_message("x1", "plums", based_on=first.revision)
    store.add_message("x2", "more apples")
    store.delete_message("x2")
    assert [m.key for m in store.list_messages(query="apples").items] == []
    assert [m.key for m in store.list_messages(query="PLUM").items] == ["x1"]


def query_plan(connection, statement, *, avoid=("seqscan",)) -> str:
    """Return the database's query plan for a Core statement, as one line.

    PostgreSQL is told to avoid table scans (and sorts, if ``avoid`` says) wherever it can, as it would
    on a large table: on a test's few rows it rightly prefers them, and a plan that still has one
    shows that no index serves the statement.
    """
    compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
    if connection.dialect.name == "sqlite":
        return " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))
    # SET LOCAL: for the caller's transaction only.
    for plan_type in avoid:
        connection.exec_driver_sql(f"SET LOCAL enable_{plan_type} = off")
    return " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))


@pytest.mark.parametrize("sort", store.SORT_ORDERS)
def test_listing_in_either_order_reads_an_index_without_sorting(context, sort):
    with db.writing() as connection:
        plan = query_plan(connection, store.listing(sort=sort).limit(20), avoid=("seqscan", "sort"))
    if connection.dialect.name == "sqlite":
        assert "USING" in plan and "INDEX" in plan and "TEMP B-TREE" not in plan, plan
    else:
        assert "Index Scan" in plan and "Sort" not in plan, plan


def test_parse_revision_accepts_only_id_dot_version():
    assert store.parse_revision("12.3") == (12, 3)
    for garbled in ("", "12", "a.1", "1.", ".1", "1.2.3", "-1.2", None):
        assert store.parse_revision(garbled) is None


def test_page_numbers_to_link_leave_gaps():
    page = store.Page([], 10, 1, 20)
    assert page.numbers_to_link() == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert store.Page([], 1, 20, 0).numbers_to_link() == [1]


def test_concurrent_writers_all_land(make_app):
    """Eight threads, each with its own connection, add, edit and put at once; every write lands
    (on SQLite, none sees "database is locked"; on PostgreSQL, puts of one new key do not collide)."""
    app = make_app(DATABASE_POOL_SIZE=8)  # a connection per thread, as eight workers would have
    errors = []

    def writer(number):
        try:
            with app.app_context():
                for index in range(25):
                    added = store.add_message(f"t{number}-{index}", "text")
                    store.update_message(added.key, "edited", based_on=added.revision)
                    store.put_message("shared", f"{number}-{index}")
        except Exception as error:  # collected and asserted below, in the main thread
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert store.list_messages().total == 1 + 8 * 25 + 1
        with db.reading() as connection:
            edited = connection.execute(text("SELECT count(*) FROM messages WHERE text = 'edited'"))
            assert edited.scalar() == 200
            if connection.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def _start_an_app(instance_path: str, database_url: str | None, start_at: float) -> str:
    """At ``start_at``, create an app on ``instance_path`` and its schema, as `flask db init` does; return
    what went wrong, if anything."""
    time.sleep(max(0.0, start_at - time.time()))
    try:
        app = create_app("testing", instance_path=instance_path, DATABASE_URL=database_url)
        with app.app_context():
            store.upgrade_schema()
            store.list_messages()
    except Exception as error:  # reported to the parent, which asserts on it
        return repr(error)
    return ""


def test_many_processes_starting_at_once_on_a_new_database_all_start(tmp_path, request, database_url):
    """Hosts all run `flask db init` at once (make run does); on a new database, each must wait its turn."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool, contextlib.ExitStack() as schemas:
        for attempt in range(5):
            instance = str(tmp_path / f"instance-{attempt}")
            url = database_url and schemas.enter_context(request.getfixturevalue("postgres").schema())
            start_at = time.time() + (2.0 if attempt == 0 else 0.3)  # the first waits out the imports
            problems = pool.starmap(_start_an_app, [(instance, url, start_at)] * 4)
            assert problems == [""] * 4
            app = create_app("testing", instance_path=instance, DATABASE_URL=url)
            with app.app_context():
                assert store.list_messages().total == 1
            db.close(app)
