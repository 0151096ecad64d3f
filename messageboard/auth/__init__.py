"""Editor accounts: login and logout pages, `flask editors`, and who may change messages.

Reading is public. Adding, editing and deleting need an editor's login unless ANONYMOUS_EDITING
is on (Development and Testing). Sessions are Flask-Login's, in the signed session cookie; each
login is also recorded in the database (``sessions``), which is what ends it.
"""

from __future__ import annotations

from flask import Flask

from messageboard.auth.commands import editors_cli
from messageboard.auth.editors import Editor
from messageboard.auth.permissions import editor_required, may_edit
from messageboard.auth.sessions import init_session_checks, logged_in_editor
from messageboard.auth.views import bp
from messageboard.core.setting import Setting, flag, text, whole
from messageboard.extensions import login_manager

__all__ = ["SETTINGS", "bp", "editor_required", "init_auth", "init_session_checks", "may_edit"]

SETTINGS: tuple[Setting, ...] = (
    # Adding, editing and deleting need an editor's login (`flask editors add`) unless this is on.
    flag("ANONYMOUS_EDITING", False),
    # Failed logins are counted over the last LOGIN_FAILURE_WINDOW seconds (auth/throttle.py):
    # LOGIN_MAX_FAILURES for one name from one address, then that address waits to try the name;
    whole("LOGIN_MAX_FAILURES", 5, least=1),
    whole("LOGIN_FAILURE_WINDOW", 15 * 60, least=1),
    # LOGIN_ADDRESS_MAX_FAILURES from one address, whatever the names, then it waits for any name;
    whole("LOGIN_ADDRESS_MAX_FAILURES", 20, least=1),
    # LOGIN_NAME_MAX_FAILURES for one name from anywhere, then each try for it waits, 1 s doubling
    # with each failure up to LOGIN_NAME_MAX_DELAY seconds, except from where the editor logged in.
    whole("LOGIN_NAME_MAX_FAILURES", 20, least=1),
    whole("LOGIN_NAME_MAX_DELAY", 60, least=1),
    # The log of checked logins (`flask editors log`) keeps this many days; older entries are removed.
    whole("LOGIN_LOG_DAYS", 365, least=1),
    # A login ends after this many seconds without a request, and this many after it began.
    whole("SESSION_IDLE_TIMEOUT", 12 * 60 * 60, least=1),
    whole("SESSION_MAX_AGE", 7 * 24 * 60 * 60, least=1),
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
    app.add_template_global(may_edit)  # templates offer adding and restoring only to who may
    app.cli.add_command(editors_cli)


@login_manager.user_loader
def load_editor(editor_id: str) -> Editor | None:
    """The session's editor, read with its login before the request; None ends the session."""
    row = logged_in_editor()  # checked against ``editor_id``; None for a remember cookie, never set here
    return Editor(row.id, row.name, row.created_at) if row is not None else None
