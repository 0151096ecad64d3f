"""The trash: a delete moves a message there; editors list it, restore it whole (under another key
if its own was taken meanwhile), and `flask messages purge` removes what was deleted long ago."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from messageboard import store
from messageboard.core import INTEGER_MAX
from messageboard.database.schema import message_revisions, trashed_messages, utcnow
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD, add_message, form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases


def deleted(app, key: str, *texts: str, by: str = "ada") -> store.Message:
    """Add ``key`` with the first text, edit it to each other one, then delete it; return it as it was."""
    with app.app_context():
        message = store.add_message(key, texts[0], by=by)
        for text in texts[1:]:
            message = store.update_message(key, text, based_on=message.revision, by=by)
        store.delete_message(key, by=by)
        return message


def trash_rows(client) -> list[tuple[str, str, str]]:
    """The trash as listed: (key, who deleted it, revisions kept)."""
    page = parse(client.get("/trash"))
    return [
        (
            row.select_one(".trashed-key").get_text(),
            row.select_one(".revision-editor").get_text(),
            row.select_one(".trashed-meta").get_text().split("·")[-1].strip(),
        )
        for row in page.select(".trashed-row")
    ]


def history_actions(client, key: str) -> list[str]:
    page = parse(client.get(f"/messages/{key}/history"))
    return [node.get_text() for node in page.select(".revision-row .revision-action")]


def restore_from_trash(client, key: str, changes: dict | None = None):
    """Press the Restore button of ``key``'s row in the trash; return the response."""
    page = parse(client.get("/trash"))
    (row,) = [row for row in page.select(".trashed-row") if row.select_one(".trashed-key").get_text() == key]
    form = row.select_one("form")
    return client.post(form["action"], data={**form_fields(form), **(changes or {})})


def test_a_deleted_message_is_in_the_trash_with_who_deleted_it_and_when(app):
    message = deleted(app, "notes", "first", "second", by="grace")
    client = app.test_client()
    response = client.get("/trash")
    assert response.status_code == 200
    assert trash_rows(client) == [("notes", "grace", "3 revisions")]
    moment = datetime.fromisoformat(parse(response).select_one(".trashed-row time")["datetime"])
    assert timedelta(0) <= utcnow() - moment < timedelta(minutes=1)
    assert client.get("/messages/notes").status_code == 404
    page = parse(client.get(f"/trash/{message.id}"))
    assert page.select_one(".message-text").get_text() == "second"
    assert page.select_one(f'input[name="restore-{message.id}-key"]')["value"] == "notes"


def test_the_trash_lists_the_latest_deleted_first_a_page_at_a_time(app):
    for key in ("first", "second", "third"):
        deleted(app, key, "text")
    client = app.test_client()
    assert [key for key, _, _ in trash_rows(client)] == ["third", "second", "first"]
    assert client.get("/trash?page=2").status_code == 404
    assert client.get("/trash?page=0").status_code == 404
    assert client.get("/trash?page=first").status_code == 400


def test_restoring_brings_the_message_back_with_its_whole_history(app):
    before = deleted(app, "notes", "first", "second")
    client = app.test_client()
    response = restore_from_trash(client, "notes")
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/notes")
    flash = parse(client.get("/messages/notes")).select_one(".flash").get_text()
    assert flash == "Restored notes with its 4 revisions."
    with app.app_context():
        restored = store.get_message("notes")
        assert store.list_messages().total == 2  # with the default message
    assert (restored.id, restored.text, restored.created_at) == (before.id, "second", before.created_at)
    assert restored.version == 4  # add, edit, delete, undelete
    assert history_actions(client, "notes") == ["undelete", "delete", "edit", "add"]
    assert trash_rows(client) == []


def test_a_key_in_the_trash_can_be_reused_and_each_message_keeps_its_own_history(app):
    old = deleted(app, "notes", "the old text", "the old text, edited")
    client = app.test_client()
    add_message(client, "notes", "a new message")
    assert history_actions(client, "notes") == ["add"]
    page = parse(client.get(f"/trash/{old.id}"))  # the old one's page says its key is taken and offers another
    assert page.select_one(f'input[name="restore-{old.id}-key"]')["value"] == "notes-restored"
    assert "taken by another message" in page.select_one(".errors").get_text()

    refused = restore_from_trash(client, "notes")
    assert refused.status_code == 409
    form = parse(refused).select_one('main form[method="post"]')
    assert form_fields(form)[f"restore-{old.id}-key"] == "notes-restored"
    response = client.post(form["action"], data=form_fields(form))
    assert (response.status_code, response.headers["Location"]) == (303, "/messages/notes-restored")
    assert history_actions(client, "notes-restored") == ["undelete", "delete", "edit", "add"]
    assert history_actions(client, "notes") == ["add"]
    with app.app_context():
        assert store.get_message("notes").text == "a new message"
        assert store.get_message("notes-restored").text == "the old text, edited"


def test_a_restore_under_a_key_that_breaks_the_rules_is_a_422_and_changes_nothing(app):
    message = deleted(app, "notes", "text")
    client = app.test_client()
    response = restore_from_trash(client, "notes", {f"restore-{message.id}-key": "no spaces allowed"})
    assert response.status_code == 422
    assert parse(response).select_one(".field-invalid input")["value"] == "no spaces allowed"
    assert trash_rows(client) == [("notes", "ada", "2 revisions")]


@pytest.mark.parametrize("path", ["/trash/999", f"/trash/{INTEGER_MAX + 1}", "/trash/0"])
def test_a_message_the_trash_does_not_hold_is_a_404(app, path):
    client = app.test_client()
    assert client.get(path).status_code == 404
    assert client.post(f"{path}/restore", data={}).status_code in (404, 400)


def test_a_message_restored_meanwhile_is_a_404_for_the_second_restore(app):
    deleted(app, "notes", "text")
    client = app.test_client()
    form = parse(client.get("/trash")).select_one(".trashed-row form")
    assert client.post(form["action"], data=form_fields(form)).status_code == 303
    again = client.post(form["action"], data=form_fields(form))
    assert again.status_code == 404
    assert "restored or purged" in parse(again).select_one("main").get_text()


def test_parallel_restores_of_one_message_bring_it_back_once(app):
    message = deleted(app, "notes", "text")

    def undelete(_):
        with app.app_context():
            try:
                return store.undelete_message(message.id, by="ada").version
            except store.TrashedMessageNotFound:
                return None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(undelete, range(8)))
    assert sorted(results, key=str) == [3] + [None] * 7
    with app.app_context(), db.reading() as connection:
        numbers = connection.execute(
            select(message_revisions.c.number).where(message_revisions.c.message_id == message.id)
        ).scalars()
        assert sorted(numbers) == [1, 2, 3]


def test_the_trash_is_for_editors(locked_app):
    message = deleted(locked_app, "notes", "text")
    client = locked_app.test_client()
    for path in ("/trash", f"/trash/{message.id}"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert parse(client.get("/")).select_one('.trash-link a[href="/trash"]') is None
    assert submit_form(client, "/login", {"name": "ada", "password": ADA_PASSWORD}).status_code == 303
    assert parse(client.get("/")).select_one('.trash-link a[href="/trash"]') is not None
    forged = client.post(f"/trash/{message.id}/restore", data={f"restore-{message.id}-key": "notes"})
    assert forged.status_code == 400  # no CSRF token
    assert trash_rows(client) == [("notes", "ada", "2 revisions")]
    assert restore_from_trash(client, "notes").status_code == 303
    assert history_actions(client, "notes")[0] == "undelete"
    assert parse(client.get("/messages/notes/history")).select(".revision-editor")[0].get_text() == "ada"


def test_add_edit_twice_restore_the_first_delete_and_undelete_through_the_forms(app):
    client = app.test_client()
    add_message(client, "notes", "the first text")
    for text in ("the second text", "the third text"):
        assert submit_form(client, "/messages/notes/edit", {"text": text}).status_code == 303
    first = parse(client.get("/messages/notes/revisions/1")).select_one('main form[method="post"]')
    assert client.post(first["action"], data=form_fields(first)).status_code == 303
    assert submit_form(client, "/messages/notes/delete").status_code == 303
    assert client.get("/messages/notes").status_code == 404
    assert restore_from_trash(client, "notes").status_code == 303
    assert history_actions(client, "notes") == ["undelete", "delete", "restore", "edit", "edit", "add"]
    assert parse(client.get("/messages/notes")).select_one(".message-text").get_text() == "the first text"


def _age(app, key: str, days: int) -> None:
    """Make the trashed ``key`` look deleted ``days`` days ago."""
    with app.app_context(), db.writing() as connection:
        connection.execute(
            trashed_messages.update()
            .where(trashed_messages.c.key == key)
            .values(deleted_at=utcnow() - timedelta(days=days))
        )


def _stored(app) -> tuple[list[str], int]:
    """The keys in the trash and the number of revisions stored."""
    with app.app_context(), db.reading() as connection:
        keys = sorted(connection.execute(select(trashed_messages.c.key)).scalars())
        return keys, connection.execute(select(func.count()).select_from(message_revisions)).scalar_one()


def test_purge_says_what_it_will_remove_asks_and_removes_only_that(app, runner):
    deleted(app, "ancient", "one", "two")
    deleted(app, "recent", "text")
    _age(app, "ancient", 40)
    with app.app_context():
        store.add_message("kept", "a live message")
    keys_before, revisions_before = _stored(app)

    declined = runner.invoke(args=["messages", "purge", "--older-than", "30"], input="n\n")
    assert declined.exit_code == 1
    assert "1 deleted message deleted more than 30 days ago" in declined.output
    assert "ancient  deleted" in declined.output and "by ada, 3 revisions" in declined.output
    assert "recent" not in declined.output
    assert _stored(app) == (keys_before, revisions_before)

    accepted = runner.invoke(args=["messages", "purge", "--older-than", "30"], input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.output.splitlines()[-1] == "Purged 1 message and 3 revisions."
    assert _stored(app) == (["recent"], revisions_before - 3)
    with app.app_context():
        assert store.get_message("kept").text == "a live message"


def test_purge_with_yes_asks_nothing_and_an_empty_purge_says_so(app, runner):
    deleted(app, "notes", "text")
    nothing = runner.invoke(args=["messages", "purge", "--older-than", "1"])
    assert nothing.exit_code == 0
    assert nothing.output.strip() == "Nothing in the trash was deleted more than 1 day ago; nothing was purged."
    everything = runner.invoke(args=["messages", "purge", "--older-than", "0", "--yes"])
    assert everything.exit_code == 0 and "Purge them?" not in everything.output
    assert _stored(app)[0] == []
    refused = runner.invoke(args=["messages", "purge", "--older-than", "-1"])
    assert refused.exit_code == 2 and "-1" in refused.output
