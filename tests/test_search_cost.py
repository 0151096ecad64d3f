"""Searches cost a few pages whatever they ask, on either database: each reads a bounded number of
messages, newest first, through an index where one serves, and the page says exactly what it did
not look at: never more than ``SEARCH_RESULTS_MAX`` matches, never past the texts it may read."""

import random
import re

import pytest
from sqlalchemy import event

from messageboard import store
from messageboard.core import SEARCH_CANDIDATES_MAX, SEARCH_RESULTS_MAX, SEARCH_TEXTS_MAX
from messageboard.extensions import db
from tests.helpers import parse

pytestmark = pytest.mark.both_databases

WORDS = ("a", "aa", "aaa", "done", "ship")
# A search longer than SQLite's index checks from positions alone: its candidates' texts are read.
LONG = "aaa aaa aaa aaa aaa aaa"
# More messages than any bound lets a search read, on either database.
MESSAGES = 2 * SEARCH_CANDIDATES_MAX + 100


def words(rng: random.Random) -> str:
    """Eight words of a few, so that every three letters of a phrase of them are in most texts."""
    return " ".join(rng.choice(WORDS) for _ in range(8))


def pairs(count: int, first: int = 0) -> list[tuple[str, str]]:
    """``count`` messages of common words; the oldest and the newest also hold "zq" and "kiwi"."""
    rng = random.Random(first)
    made = [(f"m{number:05}", words(rng)) for number in range(first, first + count)]
    for position in (0, -1):
        made[position] = (made[position][0], made[position][1] + " zq kiwi")
    return made


@pytest.fixture
def crowded(app):
    """The site with more messages than a search may read (besides the default one)."""
    with app.app_context():
        store.add_many(pairs(MESSAGES))
    return app


def everything() -> list[store.Message]:
    """Every message, newest first, read without a search."""
    listed = store.list_messages(per_page=1000, sort="key")
    rows = [*listed.items]
    for number in range(2, listed.pages + 1):
        rows += store.list_messages(page=number, per_page=1000).items
    return sorted(rows, key=lambda message: message.id, reverse=True)


def assert_true_to_the_data(query: str) -> store.Page:
    """What a search lists, and what its page says of it, agree with the messages themselves."""
    found = store.list_messages(query=query, per_page=SEARCH_RESULTS_MAX)
    matches = [m.id for m in everything() if query.lower() in m.key.lower() or query.lower() in m.text.lower()]
    listed = sorted((message.id for message in found.items), reverse=True)
    assert found.total == len(listed)
    if found.more:
        assert len(matches) > SEARCH_RESULTS_MAX and listed == matches[:SEARCH_RESULTS_MAX]
    elif found.searched_back_to is not None:
        oldest = found.searched_back_to.id
        assert listed == [match for match in matches if match >= oldest]
        assert any(message.id < oldest for message in everything())  # older ones exist, unsearched
    else:
        assert listed == matches
    return found


@pytest.mark.parametrize("query", ["o", "zq", "kiwi", "aaa aaa aaa", LONG, "the", "m0", "nothing", "zq kiwi" * 3])
def test_what_a_search_lists_and_says_is_true(crowded, query):
    with crowded.app_context():
        assert_true_to_the_data(query)


def test_a_search_matching_many_lists_only_the_newest_and_says_so(crowded, client):
    with crowded.app_context():
        found = assert_true_to_the_data("o")
        assert found.more and found.total == SEARCH_RESULTS_MAX
        newest = [key for key, text in reversed(pairs(MESSAGES)) if "o" in key + text][:SEARCH_RESULTS_MAX]
        assert [m.key for m in store.list_messages(query="o").items] == sorted(newest)[:20]
    summary = parse(client.get("/?q=o")).select_one(".summary").get_text()
    assert summary == (
        f"More than {SEARCH_RESULTS_MAX} messages match “o”: these are the {SEARCH_RESULTS_MAX} added last. "
        "A longer search narrows them down."
    )
    assert client.get(f"/?q=o&page={SEARCH_RESULTS_MAX // 20}").status_code == 200
    assert client.get(f"/?q=o&page={SEARCH_RESULTS_MAX // 20 + 1}").status_code == 404


@pytest.mark.parametrize("query", ["zq", "aaa aaa aaa", LONG])
def test_a_search_that_stops_early_names_the_oldest_message_it_read(crowded, client, query):
    with crowded.app_context():
        found = assert_true_to_the_data(query)
        assert found.searched_back_to is not None and not found.more
    page = parse(client.get("/", query_string={"q": query}))
    stopped_at = found.searched_back_to.key
    added = r"added \d{4}-\d\d-\d\d \d\d:\d\d UTC, and did not look at older messages\."
    if found.items:
        said = page.select_one(".summary")
        expected = rf"\d+ messages? match(es)? “{query}” among the newest: the search stopped at {stopped_at}, {added}"
    else:  # the empty state says it, once
        assert page.select_one(".summary") is None
        said = page.select_one(".empty-detail")
        expected = rf"The search stopped at {stopped_at}, {added}"
    assert said.select_one("a")["href"] == f"/messages/{stopped_at}"
    assert re.fullmatch(expected, said.get_text()), said.get_text()


def test_a_short_search_finds_the_newest_messages_only(crowded):
    with crowded.app_context():
        found = store.list_messages(query="zq")
        keys = [m.key for m in found.items]
        assert keys == [f"m{MESSAGES - 1:05}"]  # the newest holds it; the oldest, unread, too
        assert found.searched_back_to.id > min(m.id for m in everything())


def test_a_search_of_a_small_site_is_complete(app):
    with app.app_context():
        store.add_many(pairs(SEARCH_TEXTS_MAX // 2))
        for query in ("zq", "kiwi", "aaa aaa aaa", LONG, "o"):
            found = assert_true_to_the_data(query)
            assert found.searched_back_to is None and not found.more


class Statements:
    """The SQL statements an engine runs, with their parameters."""

    def __init__(self, engine):
        self.engine, self.seen = engine, []
        event.listen(engine, "before_cursor_execute", self.note)

    def note(self, _connection, _cursor, statement, parameters, _context, _many):
        self.seen.append((statement, parameters))

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self.note)


def plans_of_a_search(query: str) -> list[tuple[str, str]]:
    """Every SELECT a search runs, with its query plan in one line (PostgreSQL told to avoid table
    scans, as it would on a large table)."""
    statements = Statements(db.engine)
    try:
        store.list_messages(query=query, sort="updated")
    finally:
        statements.close()
    plans = []
    with db.writing() as connection:
        for statement, parameters in statements.seen:
            if not statement.startswith("SELECT"):
                continue
            if connection.dialect.name == "sqlite":
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans.append((statement, " | ".join(row[-1] for row in rows)))
            else:
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                plans.append((statement, " | ".join(row[0] for row in rows)))
    return plans


@pytest.mark.parametrize("query", ["zq", "kiwi", "aaa aaa aaa", LONG, "o"])
def test_every_statement_of_a_search_reads_through_an_index(crowded, query):
    with crowded.app_context():
        plans = plans_of_a_search(query)
        dialect = db.engine.dialect.name
    for statement, plan in plans:
        # The one walk of the table: the newest ids, as far as the window's own LIMIT.
        if re.search(r"\bSCAN messages\b(?! VIRTUAL)", plan):
            assert re.search(r"ORDER BY messages.id DESC\s+LIMIT", statement), plans
        assert "Seq Scan" not in plan, plans
    joined = " ".join(plan for _, plan in plans)
    if dialect == "sqlite" and len(query) >= 3:
        assert "VIRTUAL TABLE INDEX" in joined and "messages_search" in joined, plans
    elif dialect == "sqlite":
        assert "SEARCH messages USING INTEGER PRIMARY KEY (rowid>?)" in joined, plans
    else:
        assert "Index Scan Backward using messages_pkey" in joined and "id >" in joined, plans


def work_of(query: str) -> int:
    """How much the database did for a search: SQLite's virtual machine steps (in thousands), or the
    rows PostgreSQL's plan nodes produced and filtered out, told to avoid table scans as it would on
    a large table."""
    statements = Statements(db.engine)
    try:
        store.list_messages(query=query)
    finally:
        statements.close()
    selects = [(statement, parameters) for statement, parameters in statements.seen if statement.startswith("SELECT")]
    with db.writing() as connection:
        if connection.dialect.name == "sqlite":
            steps = []
            raw = connection.connection.driver_connection
            raw.set_progress_handler(lambda: steps.append(1) and 0, 1000)
            for statement, parameters in selects:
                connection.exec_driver_sql(statement, parameters).fetchall()
            raw.set_progress_handler(None, 0)
            return len(steps)
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        explain = "EXPLAIN (ANALYZE, FORMAT JSON) "
        plans = [
            connection.exec_driver_sql(explain + statement, parameters).scalar() for statement, parameters in selects
        ]
        return sum(rows_in(plan[0]["Plan"]) for plan in plans)


def rows_in(node: dict) -> int:
    """The rows a plan node and those under it produced or threw away."""
    here = (
        node.get("Actual Rows", 0)
        + node.get("Rows Removed by Filter", 0)
        + node.get("Rows Removed by Index Recheck", 0)
    )
    return here + sum(rows_in(child) for child in node.get("Plans", []))


@pytest.mark.parametrize("query", ["zq", "aaa aaa aaa", LONG, "nothing"])
def test_a_search_does_no_more_work_on_a_site_three_times_larger(crowded, query):
    with crowded.app_context():
        before = work_of(query)
        store.add_many(pairs(2 * MESSAGES, first=MESSAGES))
        after = work_of(query)
    assert after <= before * 1.2 + 5, (before, after)
