"""Editor accounts: login and logout pages, `flask editors`, and who may change messages.

Reading is public. Adding, editing and deleting need an editor's login unless ANONYMOUS_EDITING
is on (Development and Testing). Sessions are Flask-Login's, in the signed session cookie.
"""

from __future__ import annotations

from flask import Flask

from messageboard.auth.commands import editors_cli
from messageboard.auth.editors import Editor, get_editor
from messageboard.auth.permissions import editor_required, may_edit
from messageboard.auth.views import bp
from messageboard.core import stored_number
from messageboard.core.setting import Setting, flag, text, whole
from messageboard.extensions import login_manager

__all__ = ["SETTINGS", "bp", "editor_required", "init_auth", "may_edit"]

SETTINGS: tuple[Setting, ...] = (
    # Adding, editing and deleting need an editor's login (`flask editors add`) unless this is on.
    flag("ANONYMOUS_EDITING", False),
    # Failed logins for one name, or from one address, within the window before logins wait.
    whole("LOGIN_MAX_FAILURES", 5, least=1),
    whole("LOGIN_FAILURE_WINDOW", 15 * 60, least=1),
    # The session cookie: never readable by scripts, not sent on cross-site POSTs, HTTPS only.
    flag("SESSION_COOKIE_HTTPONLY", True),
    text("SESSION_COOKIE_SAMESITE", "Lax", choices=("Lax", "Strict", "None"), nullable=True),
    flag("SESSION_COOKIE_SECURE", True),
)


def init_auth(app: Flask) -> None:
    """Bind Flask-Login, the login pages and the `flask editors` commands to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log in as an editor to change messages."
    login_manager.login_message_category = "info"
    # Flask-Login's "basic" protection writes `_fresh` into every visitor's session whose address
    # or browser string it has not seen, which would set a cookie on every page and keep visitors
    # who opened a form out of the page cache. The session cookie is signed, HttpOnly, Secure and
    # SameSite=Lax; an address-and-browser hash adds little to that.
    login_manager.session_protection = None
    app.register_blueprint(bp)
    app.cli.add_command(editors_cli)


@login_manager.user_loader
def load_editor(editor_id: str) -> Editor | None:
    """The session's editor; None ends the session (the editor was removed)."""
    number = stored_number(editor_id)
    return get_editor(number) if number is not None else None
