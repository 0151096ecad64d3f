"""Every version kept: each change of a message records its revision in the change's own transaction
(number, text, time, editor, action), a delete moves the message to the trash, and nothing is
recorded for a change that did not happen."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from messageboard import store
from messageboard.database.schema import message_revisions, messages, trashed_messages
from messageboard.extensions import db
from tests.helpers import ADA_PASSWORD, add_message, form_fields, parse, submit_form

pytestmark = pytest.mark.both_databases


def recorded(app, message_id: int) -> list[tuple]:
    """The message's revisions as stored, oldest first: (number, text, editor, action)."""
    columns = message_revisions.c
    with app.app_context(), db.reading() as connection:
        rows = connection.execute(
            select(columns.number, columns.text, columns.editor_name, columns.action)
            .where(columns.message_id == message_id)
            .order_by(columns.number)
        )
        return [tuple(row) for row in rows]


def trashed(app) -> list[tuple]:
    """The trash as stored: (id, key, text, version, deleted_by)."""
    columns = trashed_messages.c
    with app.app_context(), db.reading() as connection:
        rows = connection.execute(
            select(columns.id, columns.key, columns.text, columns.version, columns.deleted_by).order_by(columns.id)
        )
        return [tuple(row) for row in rows]


def test_add_edit_and_delete_each_record_a_revision_numbered_as_the_version(app):
    with app.app_context():
        added = store.add_message("notes", "first", by="ada")
        first = store.update_message("notes", "second", based_on=added.revision, by="grace")
        second = store.update_message("notes", "third", based_on=first.revision)
        store.delete_message("notes", by="ada")
    assert (first.version, second.version) == (2, 3)
    assert recorded(app, added.id) == [
        (1, "first", "ada", "add"),
        (2, "second", "grace", "edit"),
        (3, "third", "anonymous", "edit"),
        (4, "third", "ada", "delete"),
    ]
    assert trashed(app) == [(added.id, "notes", "third", 4, "ada")]


def test_an_edit_that_conflicts_records_nothing(app):
    with app.app_context():
        added = store.add_message("notes", "first")
        store.update_message("notes", "theirs", based_on=added.revision, by="grace")
        with pytest.raises(store.VersionConflict) as conflict:
            store.update_message("notes", "mine", based_on=added.revision, by="ada")
    assert conflict.value.current.text == "theirs"
    assert [text for _, text, _, _ in recorded(app, added.id)] == ["first", "theirs"]


def test_a_change_whose_revision_cannot_be_written_changes_nothing(app):
    """The revision is written in the change's transaction: when it fails, the edit is rolled back."""
    with app.app_context():
        added = store.add_message("notes", "first")
        with db.writing() as connection:  # a revision 2 already there: the edit's own cannot be written
            connection.execute(
                message_revisions.insert().values(
                    message_id=added.id, number=2, text="x", created_at=added.created_at, editor_name="x", action="edit"
                )
            )
        with pytest.raises(IntegrityError):
            store.update_message("notes", "second", based_on=added.revision)
        assert store.get_message("notes") == added
    assert recorded(app, added.id) == [(1, "first", "anonymous", "add"), (2, "x", "x", "edit")]


def test_a_deleted_key_can_be_used_again_and_its_histories_stay_apart(app):
    with app.app_context():
        old = store.add_message("notes", "old text")
        store.delete_message("notes", by="ada")
        new = store.add_message("notes", "new text", by="grace")
        assert store.list_messages().total == 2  # default and the new notes
    assert new.id != old.id
    assert recorded(app, old.id) == [(1, "old text", "anonymous", "add"), (2, "old text", "ada", "delete")]
    assert recorded(app, new.id) == [(1, "new text", "grace", "add")]
    assert trashed(app) == [(old.id, "notes", "old text", 2, "ada")]


def test_deleting_a_missing_message_changes_nothing(app):
    with app.app_context(), pytest.raises(store.MessageNotFound):
        store.delete_message("nothing-here", by="ada")
    assert trashed(app) == []


def test_the_plain_text_route_and_imports_record_revisions_too(app):
    client = app.test_client()
    assert client.get("/add/plain/one").status_code == 200
    assert client.get("/add/plain/two").status_code == 200
    with app.app_context():
        plain = store.get_message("plain")
        assert store.add_many([("bulk-1", "a"), ("bulk-2", "b")], by="importer") == 2
        bulk = [store.get_message(key) for key in ("bulk-1", "bulk-2")]
    assert recorded(app, plain.id) == [(1, "one", "anonymous", "add"), (2, "two", "anonymous", "edit")]
    assert [recorded(app, message.id) for message in bulk] == [
        [(1, "a", "importer", "add")],
        [(1, "b", "importer", "add")],
    ]


def test_every_message_has_its_revision_at_its_version(app):
    """The default message of a new database, like every other, has the revision its version names."""
    with app.app_context(), db.reading() as connection:
        versions = dict(connection.execute(select(messages.c.id, messages.c.version)).all())
    assert {message_id: recorded(app, message_id)[-1][0] for message_id in versions} == versions


def test_the_forms_record_the_editor_who_logged_in(locked_app):
    client = locked_app.test_client()
    assert submit_form(client, "/login", {"name": "ada", "password": ADA_PASSWORD}).status_code == 303
    assert add_message(client, "notes", "first").status_code == 303
    assert submit_form(client, "/messages/notes/edit", {"text": "second"}).status_code == 303
    delete_form = parse(client.get("/messages/notes/delete")).select_one('main form[method="post"]')
    assert client.post("/messages/notes/delete", data=form_fields(delete_form)).status_code == 303
    with locked_app.app_context(), db.reading() as connection:
        message_id = connection.execute(select(trashed_messages.c.id)).scalar_one()
    assert recorded(locked_app, message_id) == [
        (1, "first", "ada", "add"),
        (2, "second", "ada", "edit"),
        (3, "second", "ada", "delete"),
    ]


def test_anonymous_editing_records_anonymous(app):
    client = app.test_client()
    assert add_message(client, "notes", "first").status_code == 303
    with app.app_context():
        message = store.get_message("notes")
    assert recorded(app, message.id) == [(1, "first", "anonymous", "add")]
