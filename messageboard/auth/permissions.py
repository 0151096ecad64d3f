"""Who may change messages: editors who logged in, or anyone where ANONYMOUS_EDITING is on."""

from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_login import current_user

from messageboard.extensions import login_manager
from messageboard.store import ANONYMOUS


def may_edit() -> bool:
    """True if this request may add, edit or delete."""
    return current_app.config["ANONYMOUS_EDITING"] or current_user.is_authenticated


def editor_name() -> str:
    """The name this request's changes are recorded under: the editor's who logged in, else "anonymous"."""
    return current_user.name if current_user.is_authenticated else ANONYMOUS


def editor_required(view):
    """Send visitors who may not edit to the login page, coming back here afterwards."""

    @wraps(view)
    def checked(*args, **kwargs):
        if not may_edit():
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return checked
