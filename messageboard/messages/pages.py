"""What each message page shows, from the objects its view gathered: the views render them, and the
styleguide renders them from sample data (this module is the messages feature's interface to it)."""

from __future__ import annotations

from flask import render_template

from messageboard import store
from messageboard.messages.forms import DeleteMessageForm, EditMessageForm, NewMessageForm
from messageboard.text_diff import diff_texts


def list_page(page: store.Page, *, query: str = "", sort: str = "key", greeting: store.Message | None = None):
    """The list page: one page of a listing, the search that chose it, and the greeting."""
    return render_template("messages/index.html", page=page, query=query, sort=sort, greeting=greeting)


def message_page(message: store.Message, last_change: store.Revision | None = None):
    """One message's page, saying who changed it last."""
    return render_template("messages/show.html", message=message, last_change=last_change)


def new_page(form: NewMessageForm):
    """The add form: 422 once a submission was rejected."""
    return render_template("messages/new.html", form=form), 422 if form.errors else 200


def edit_page(form: EditMessageForm, key: str, conflict: store.VersionConflict | None = None):
    """The edit form: 422 once a submission was rejected; 409, showing the text that won, after a conflict."""
    if conflict is None:
        page = render_template(
            "messages/edit.html", form=form, key=key, conflict=False, current=None, conflict_lines=None
        )
        return page, 422 if form.errors else 200
    current, lines = conflict.current, None
    if current is not None:
        lines = diff_texts(current.text, form.text.data or "")
        form.rebase(current)
    page = render_template(
        "messages/edit.html", form=form, key=key, conflict=True, current=current, conflict_lines=lines
    )
    return page, 409


def delete_page(form: DeleteMessageForm, message: store.Message):
    """The delete confirmation."""
    return render_template("messages/delete.html", form=form, message=message)
