"""A message's history pages: the revisions newest first and paginated, one revision's text, the
difference of two word by word, and restoring a revision like an edit (409 after another save)."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from messageboard import store
from messageboard.core import REVISIONS_PER_PAGE, TEXT_MAX_LENGTH
from messageboard.database.schema import message_revisions
from messageboard.extensions import db
from messageboard.text_diff import Segment, diff_texts
from tests.helpers import ADA_PASSWORD, add_message, form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases


def edited(app, key: str, *texts: str, by: str = "ada") -> store.Message:
    """Add ``key`` with the first text, then edit it to each of the others; return it as it ends."""
    with app.app_context():
        message = store.add_message(key, texts[0], by=by)
        for text in texts[1:]:
            message = store.update_message(key, text, based_on=message.revision, by=by)
        return message


def history_rows(client, key: str, page: int = 1) -> list[tuple[str, str, str]]:
    """The history page's revisions as shown: (number link, action, editor)."""
    response = client.get(f"/messages/{key}/history?page={page}")
    assert response.status_code == 200
    return [
        (
            row.select_one(".revision-number").get_text(),
            row.select_one(".revision-action").get_text(),
            row.select_one(".revision-editor").get_text(),
        )
        for row in parse(response).select(".revision-list .revision-row")
    ]


def restore(client, key: str, number: int):
    """Press "Restore this version" on the revision's page."""
    form = parse(client.get(f"/messages/{key}/revisions/{number}")).select_one('main form[method="post"]')
    return client.post(form["action"], data=form_fields(form))


def test_the_history_lists_every_revision_newest_first_with_action_and_editor(app):
    edited(app, "notes", "one", "two", "three")
    with app.app_context():
        store.add_message("other", "x", by="grace")
    assert history_rows(app.test_client(), "notes") == [
        ("Revision 3", "edit", "ada"),
        ("Revision 2", "edit", "ada"),
        ("Revision 1", "add", "ada"),
    ]


def test_the_history_is_paginated(app):
    edited(app, "long", *(f"text {number}" for number in range(REVISIONS_PER_PAGE + 5)))
    client = app.test_client()
    first, second = history_rows(client, "long", 1), history_rows(client, "long", 2)
    assert len(first) == REVISIONS_PER_PAGE and first[0][0] == f"Revision {REVISIONS_PER_PAGE + 5}"
    assert [number for number, _, _ in second] == [f"Revision {number}" for number in (5, 4, 3, 2, 1)]
    page = parse(client.get("/messages/long/history?page=2"))
    assert page.select_one(".revision-list")["start"] == "5"
    assert page.select_one('.pagination a[rel="prev"]')["href"] == "/messages/long/history?page=1"
    assert client.get("/messages/long/history?page=3").status_code == 404
    assert client.get("/messages/long/history?page=two").status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/messages/nothing/history", 404),
        ("/messages/notes/revisions/9", 404),
        ("/messages/notes/revisions/0", 404),
        ("/messages/notes/revisions/99999999999999999999999", 404),
        ("/messages/notes/diff?from=1&to=9", 404),
        ("/messages/notes/diff?from=x", 400),
        ("/messages/notes/diff?to=99999999999999999999999", 404),
        ("/messages/nothing/diff", 404),
    ],
)
def test_what_is_not_there_is_a_404_and_what_cannot_be_read_a_400(app, path, status):
    edited(app, "notes", "one", "two")
    assert app.test_client().get(path).status_code == status


def test_a_revision_page_shows_its_text_and_offers_to_restore_it(app):
    edited(app, "notes", "first <b>text</b>", "second")
    page = parse(app.test_client().get("/messages/notes/revisions/1"))
    assert page.select_one(".message-text").get_text() == "first <b>text</b>"
    assert page.select_one("main form button").get_text() == "Restore this version"
    current = parse(app.test_client().get("/messages/notes/revisions/2"))
    assert current.select_one("main form") is None  # the current text: nothing to restore


def test_the_diff_marks_the_words_inserted_and_deleted_by_default_in_the_newest_revision(app):
    edited(app, "notes", "The quick brown fox\nsecond line", "The slow brown fox\nsecond line\nthird <i>line</i>")
    page = parse(app.test_client().get("/messages/notes/diff"))
    assert page.select_one("h1").get_text() == "notes: revision 1 to 2"
    lines = page.select(".diff-line")
    assert [line["class"][1] for line in lines] == ["diff-line-changed", "diff-line-same", "diff-line-inserted"]
    assert [node.get_text() for node in lines[0].select("del")] == ["[deleted: quick]"]
    assert [node.get_text() for node in lines[0].select("ins")] == ["[inserted: slow]"]
    assert lines[2].select_one("ins").get_text() == "[inserted: third <i>line</i>]"  # escaped, not markup
    assert all(line["dir"] == "auto" for line in lines)


def test_the_diff_of_any_two_revisions_and_of_equal_texts(app):
    edited(app, "notes", "alpha", "beta", "alpha")
    client = app.test_client()
    same = parse(client.get("/messages/notes/diff?from=1&to=3"))
    assert same.select_one(".diff-none").get_text() == "The two texts are the same."
    backwards = parse(client.get("/messages/notes/diff?from=3&to=2"))
    assert [node.get_text() for node in backwards.select(".diff-lines ins")] == ["[inserted: beta]"]


def test_right_to_left_text_stays_whole_in_the_diff():
    lines = diff_texts("שלום עולם", "שלום לכולם")
    assert lines[0].segments == (
        Segment("same", "שלום "),
        Segment("deleted", "עולם"),
        Segment("inserted", "לכולם"),
    )


def test_texts_that_differ_in_most_words_are_one_deletion_and_one_insertion_between_what_they_share():
    rng = random.Random(16)
    older, newer = ("".join(rng.choice(".,;:!?") for _ in range(TEXT_MAX_LENGTH - 20)) for _ in range(2))
    first, last = diff_texts(f"Same start {older}\nsame end", f"Same start {newer}\nsame end")
    kinds = [segment.kind for segment in first.segments]
    assert kinds == ["same", "deleted", "inserted"] or kinds == ["same", "deleted", "inserted", "same"]
    shared_start, deleted, inserted, *shared_end = (segment.text for segment in first.segments)
    assert shared_start.startswith("Same start ")
    assert shared_start + deleted + "".join(shared_end) == f"Same start {older}"
    assert shared_start + inserted + "".join(shared_end) == f"Same start {newer}"
    assert last.segments == (Segment("same", "same end"),)


def test_restoring_a_revision_saves_its_text_as_a_new_revision(app):
    edited(app, "notes", "first", "second", "third")
    client = app.test_client()
    response = restore(client, "notes", 1)
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/notes")
    assert parse(client.get("/messages/notes")).select_one(".message-text").get_text() == "first"
    assert history_rows(client, "notes")[0] == ("Revision 4", "restore", "anonymous")


def test_a_restore_after_someone_else_saved_is_a_409_and_saves_nothing(app):
    message = edited(app, "notes", "first", "second")
    client = app.test_client()
    form = parse(client.get("/messages/notes/revisions/1")).select_one('main form[method="post"]')
    with app.app_context():
        store.update_message("notes", "theirs", based_on=message.revision, by="grace")
    response = client.post(form["action"], data=form_fields(form))
    assert response.status_code == 409
    assert "nothing was restored" in parse(response).select_one(".flash").get_text()
    with app.app_context():
        assert store.get_message("notes").text == "theirs"
    assert history_rows(client, "notes")[0] == ("Revision 3", "edit", "grace")


def test_restoring_needs_an_editor_and_a_csrf_token(locked_app):
    edited(locked_app, "notes", "first", "second")
    client = locked_app.test_client()
    assert client.get("/messages/notes/revisions/1").status_code == 200  # reading needs no login
    refused = restore(client, "notes", 1)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert submit_form(client, "/login", {"name": "ada", "password": ADA_PASSWORD}).status_code == 303
    assert client.post("/messages/notes/revisions/1/restore", data={"revision": "2.2"}).status_code == 400
    with locked_app.app_context(), db.reading() as connection:
        assert connection.execute(select(message_revisions.c.number)).scalars().all().count(3) == 0


def test_add_edit_twice_and_restore_the_first_through_the_forms(app):
    client = app.test_client()
    assert add_message(client, "notes", "first").status_code == 303
    for text in ("second", "third"):
        assert submit_form(client, "/messages/notes/edit", {"text": text}).status_code == 303
    assert restore(client, "notes", 1).status_code == 303
    assert [action for _, action, _ in history_rows(client, "notes")] == ["restore", "edit", "edit", "add"]
    assert parse(client.get("/messages/notes")).select_one(".message-text").get_text() == "first"


def test_the_edit_conflict_page_shows_what_yours_changes_in_theirs(app):
    message = edited(app, "notes", "the first text")
    client = app.test_client()
    form = parse(client.get("/messages/notes/edit")).select_one("form.message-form")
    with app.app_context():
        store.update_message("notes", "the saved text", based_on=message.revision, by="grace")
    response = client.post("/messages/notes/edit", data={**form_fields(form), "text": "the mine text"})
    assert response.status_code == 409
    diff = parse(response).select_one(".conflict-diff .diff-lines")
    assert [node.get_text() for node in diff.select("del")] == ["[deleted: saved]"]
    assert [node.get_text() for node in diff.select("ins")] == ["[inserted: mine]"]


def test_a_message_page_says_who_changed_it_last(app):
    message = edited(app, "notes", "first", by="ada")
    client = app.test_client()
    assert parse(client.get("/messages/notes")).select_one(".message-times .revision-editor").get_text() == "ada"
    with app.app_context():
        store.update_message("notes", "second", based_on=message.revision, by="grace")
    assert parse(client.get("/messages/notes")).select_one(".message-times .revision-editor").get_text() == "grace"
    links = [link["href"] for link in parse(client.get("/messages/notes")).select(".actions a")]
    assert "/messages/notes/history" in links
