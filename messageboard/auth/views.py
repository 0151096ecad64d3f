"""The login and logout pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from messageboard.auth import sessions, throttle
from messageboard.auth.editors import authenticate
from messageboard.auth.forms import LoginForm
from messageboard.auth.login_log import Outcome, record_login
from messageboard.auth.pages import login_page
from messageboard.auth.redirects import safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log an editor in and go back where they were; too many failures and logins wait."""
    form = LoginForm(next=request.args.get("next", ""))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data), 303)
    if not form.validate_on_submit():
        return login_page(form)
    name, address = form.name.data.strip(), request.remote_addr or "unknown"
    try:
        place = throttle.take_place(name, address)
    except throttle.LoginsWait as wait:
        raise TooManyRequests(
            f"Too many failed logins {wait.reason}. Try again in {_duration(wait.seconds)}.",
            retry_after=wait.seconds,
        ) from None
    editor = authenticate(name, form.password.data)
    if editor is None:
        record_login(name, address)
        form.reject_credentials()
        return login_page(form)
    throttle.succeeded(place, name, address)
    record_login(name, address, Outcome.LOGGED_IN)
    session.clear()  # nothing from before the login (a planted token, say) carries into it
    sessions.begin(editor.id, address)
    login_user(editor)
    flash(f"Logged in as {editor.name}.", "success")
    return redirect(safe_next(form.next.data), 303)


@bp.post("/logout")
def logout():
    """End the login on the server, so no copy of its cookie opens anything: a POST, so it carries the
    CSRF token (checked for every POST) and no other site can log an editor out."""
    if current_user.is_authenticated:
        sessions.end_current()
        logout_user()
        session.clear()  # the CSRF token too: a copy of the old cookie opens no form
        flash("Logged out.", "success")
    return redirect(safe_next(request.args.get("next")), 303)


def _duration(seconds: int) -> str:
    if seconds < 60:
        return "1 second" if seconds == 1 else f"{seconds} seconds"
    minutes = -(-seconds // 60)
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
