"""What each history page shows, from what its view gathered (the styleguide renders them from samples)."""

from __future__ import annotations

from flask import render_template

from messageboard import store
from messageboard.history.forms import RestoreForm
from messageboard.text_diff import diff_texts


def history_page(message: store.Message, page: store.Page):
    """A message's revisions, one page of them, newest first."""
    return render_template("history/history.html", message=message, page=page)


def revision_page(message: store.Message, revision: store.Revision, form: RestoreForm, status: int = 200):
    """One revision's text, with the form restoring it (409 once a restore met a newer save)."""
    form.start_from(message)
    return render_template("history/revision.html", message=message, revision=revision, form=form), status


def diff_page(message: store.Message, older: store.Revision, newer: store.Revision):
    """The difference between two revisions."""
    lines = diff_texts(older.text, newer.text)
    return render_template("history/diff.html", message=message, older=older, newer=newer, lines=lines)
