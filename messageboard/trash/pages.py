"""What each trash page shows, from what its view gathered (the styleguide renders them from samples)."""

from __future__ import annotations

from flask import render_template

from messageboard import store
from messageboard.trash.forms import UndeleteForm


def trash_page(page: store.Page, forms: dict[int, UndeleteForm]):
    """One page of the deleted messages, latest deleted first, each with its restore form (by message id)."""
    return render_template("trash/trash.html", page=page, forms=forms)


def trashed_page(trashed: store.TrashedMessage, form: UndeleteForm, status: int = 200):
    """One deleted message and the form restoring it: 422 for a key that breaks the rules, 409 for a taken one."""
    return render_template("trash/trashed.html", trashed=trashed, form=form), status
