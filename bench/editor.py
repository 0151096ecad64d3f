"""A logged-in editor's page measured: logged in through the real form, so every request checks its
login in the database (messageboard/auth/sessions.py) and is rendered, never cached."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bench import PROJECT_ROOT, BenchError, seed
from bench.report import Case
from bench.server import Server, get, send

NAME, PASSWORD = "bench-editor", "a bench editor's password"
SESSION_COOKIE = "session"
CSRF_FIELD = re.compile(rb'name="csrf_token"[^>]*value="([^"]+)"')
EDITOR_CASE = Case(
    "p",
    "one message, 10k, as a logged-in editor",
    "site-10k",
    f"/messages/{seed.message_key(5000)}",
    "as d, with an editor's session cookie: its login is read from the database on every request, "
    "and the page is rendered (an editor's pages are never cached), so compare it with g",
)


def ensure_editor(environment: Mapping[str, str]) -> None:
    """Add the bench's editor to the database ``environment`` names, unless it is there already."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "messageboard", "editors", "add", NAME],
        cwd=PROJECT_ROOT,
        env=dict(environment),
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 and "already an editor" not in result.stdout + result.stderr:
        raise BenchError(f"flask editors add failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def editor_case(server: Server) -> Case:
    """EDITOR_CASE with the cookie of a login on ``server``, checked to open the page as the editor."""
    cookie = log_in(server)
    page = get(server, EDITOR_CASE.path, {"Cookie": cookie})
    if page.status != 200 or NAME.encode() not in page.body:
        raise server.failure(f"GET {EDITOR_CASE.path} as the editor answered {page.status}, not the editor's page")
    # The page's forms put a CSRF token in the session, as a browser would keep it: without it in
    # the cookie, every request would make and sign a new one.
    if page.headers.get_all("Set-Cookie"):
        cookie = _session_cookie(page)
    settled = get(server, EDITOR_CASE.path, {"Cookie": cookie})
    if settled.headers.get_all("Set-Cookie"):
        raise server.failure(f"GET {EDITOR_CASE.path} as the editor sets a cookie on every request")
    return replace(EDITOR_CASE, headers=(("Cookie", cookie),))


def log_in(server: Server) -> str:
    """Log the bench's editor in through the login form; return the Cookie header that carries the login."""
    form = get(server, "/login")
    token = CSRF_FIELD.search(form.body)
    if form.status != 200 or token is None:
        raise server.failure(f"GET /login answered {form.status} without a CSRF token")
    fields = {"csrf_token": token.group(1).decode(), "name": NAME, "password": PASSWORD}
    headers = {"Cookie": _session_cookie(form), "Content-Type": "application/x-www-form-urlencoded"}
    answer = send(server, "POST", "/login", headers, urlencode(fields).encode())
    if answer.status != 303:
        raise server.failure(f"POST /login answered {answer.status}, not 303")
    return _session_cookie(answer)


def _session_cookie(response) -> str:
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or ():
        cookies.load(header)
    if SESSION_COOKIE not in cookies:
        raise BenchError("the login answered without a session cookie")
    return f"{SESSION_COOKIE}={cookies[SESSION_COOKIE].value}"
