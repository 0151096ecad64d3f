"""What the login page shows: the view renders it, and the styleguide renders it from sample data
(this module is the auth feature's interface to it)."""

from __future__ import annotations

from flask import render_template

from messageboard.auth.forms import LoginForm


def login_page(form: LoginForm):
    """The login form: 422 after a submission missing a field, 401 after wrong credentials."""
    status = 401 if form.credentials_rejected else 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status
