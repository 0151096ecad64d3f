"""What the stress tests drive the server with and check it by: a lean HTTP client, the form fields
it reads, the gunicorn workers it kills, the database it inspects, and the figures it reports."""

from __future__ import annotations

import html
import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from sqlalchemy import create_engine, func, select

from messageboard.database.schema import message_count, message_revisions, messages, trashed_messages
from tests.live_server import EDITOR, EDITOR_PASSWORD

# gunicorn's sync workers under test, as issue 6 asks.
WORKERS = 4
# A stress test never waits on a hung server for longer than this per request.
REQUEST_TIMEOUT = 30


class Deadline:
    """The time a test's load must finish by; loops check it and stop with a clear message."""

    def __init__(self, seconds: float, what: str):
        self.seconds = seconds
        self.what = what
        self.end = time.monotonic() + seconds

    def passed(self) -> bool:
        """Whether the time is up."""
        return time.monotonic() > self.end

    def remaining(self) -> float:
        """Seconds left (at least a little, for joins and waits)."""
        return max(0.1, self.end - time.monotonic())

    def message(self) -> str:
        """The failure to report when the time is up."""
        return f"{self.what} did not finish within {self.seconds:.0f} s: the server is hung or far too slow"


@dataclass
class Response:
    """A response as read off the wire."""

    status: int
    headers: http.client.HTTPMessage
    body: str


class Client:
    """One visitor: its own connection (reopened when the server closes it) and session cookie.

    http.client rather than urllib: no opener chain or cookie jar to walk per request, and no
    redirect following, so an add is one round trip and its 303 is seen as sent.
    """

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=REQUEST_TIMEOUT)
        self.cookie: str | None = None
        self.csrf_token: str | None = None

    def request(self, method: str, path: str, fields: dict | None = None, *, keep_cookie: bool = True) -> Response:
        """Send one request; raise OSError or http.client.HTTPException if no response came back.

        ``keep_cookie=False`` ignores a new session cookie: the cookie after an add or edit only
        adds the flash message the redirect's page would show, which these clients never fetch.
        """
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a fresh connection
            raise
        if keep_cookie:
            for header in response.headers.get_all("Set-Cookie") or ():
                if header.startswith("session="):
                    self.cookie = header.split(";", 1)[0]
        return Response(response.status, response.headers, text)

    def get(self, path: str) -> Response:
        """GET a path, keeping the session cookie it sets."""
        return self.request("GET", path)

    def open_form(self, path: str) -> Response:
        """GET a form, remembering its CSRF token (one per session, valid for every form in it)."""
        response = self.get(path)
        if response.status != 200:
            raise AssertionError(f"GET {path} answered {response.status}:\n{response.body[:2000]}")
        self.csrf_token = hidden_value(response.body, "csrf_token")
        return response

    def log_in(self) -> None:
        """Log in as the server's editor through the login form (it starts a new session)."""
        self.open_form("/login")
        response = self.request(
            "POST", "/login", {"csrf_token": self.csrf_token, "name": EDITOR, "password": EDITOR_PASSWORD}
        )
        if response.status != 303:
            raise AssertionError(f"logging in answered {response.status}:\n{response.body[:2000]}")

    def post(self, path: str, fields: dict) -> Response:
        """Submit a form with this session's CSRF token."""
        return self.request("POST", path, {"csrf_token": self.csrf_token, **fields}, keep_cookie=False)

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


_INPUT = re.compile(r"<input\b[^>]*>")
_VALUE = re.compile(r'\bvalue="([^"]*)"')
_CONFLICT_TEXT = re.compile(
    r'<section class="conflict-current".*?<div class="message-text"[^>]*>(.*?)</div>', re.DOTALL
)
_TEXTAREA = re.compile(r'<textarea\b[^>]*\bname="text"[^>]*>\r?\n?(.*?)</textarea>', re.DOTALL)


def hidden_value(page: str, name: str) -> str:
    """The value of the form input named ``name`` (a regex, not a parser: thousands of pages are read)."""
    for tag in _INPUT.findall(page):
        if f'name="{name}"' in tag:
            value = _VALUE.search(tag)
            return html.unescape(value.group(1)) if value else ""
    raise AssertionError(f"no input named {name!r} in the page:\n{page[:2000]}")


def conflict_text(page: str) -> str | None:
    """The saved text a 409 conflict page shows beside the visitor's own, or None if it shows none."""
    found = _CONFLICT_TEXT.search(page)
    return html.unescape(found.group(1)) if found else None


def textarea_text(page: str) -> str | None:
    """The text in the page's text field (what the visitor typed, on a rejected or conflicting form)."""
    found = _TEXTAREA.search(page)
    return html.unescape(found.group(1)) if found else None


# Every B-tree index of the messages table, each with every heap row it should hold (amcheck).
POSTGRES_INDEX_CHECK = """
    SELECT index_class.relname, bt_index_check(index_class.oid, true)
    FROM pg_index JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
    JOIN pg_am ON pg_am.oid = index_class.relam
    WHERE pg_index.indrelid = 'messages'::regclass AND pg_am.amname = 'btree'"""


class DatabaseCheck:
    """Reads the database under test directly (any SQLAlchemy URL), apart from the server."""

    def __init__(self, url: str):
        self.url = url
        self.engine = create_engine(url)

    def texts(self, key_prefix: str) -> dict[str, tuple[str, int]]:
        """Every message whose key starts with ``key_prefix``: key -> (text, version)."""
        statement = select(messages.c.key, messages.c.text, messages.c.version).where(
            messages.c.key.startswith(key_prefix, autoescape=True)
        )
        with self.engine.connect() as connection:
            return {key: (text, version) for key, text, version in connection.execute(statement)}

    def revisions(self, key_prefix: str) -> dict[str, list[tuple[int, str, str]]]:
        """The revisions of every message whose key starts with ``key_prefix``: key -> [(number, text,
        action)], oldest first."""
        statement = (
            select(messages.c.key, message_revisions.c.number, message_revisions.c.text, message_revisions.c.action)
            .join(message_revisions, message_revisions.c.message_id == messages.c.id)
            .where(messages.c.key.startswith(key_prefix, autoescape=True))
            .order_by(messages.c.key, message_revisions.c.number)
        )
        found: dict[str, list[tuple[int, str, str]]] = {}
        with self.engine.connect() as connection:
            for key, number, text, action in connection.execute(statement):
                found.setdefault(key, []).append((number, text, action))
        return found

    def count(self) -> int:
        """How many messages there are, counted row by row."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(messages)).scalar_one()

    def problems(self) -> list[str]:
        """What is wrong with the database as a whole; empty if nothing.

        Everywhere: the kept count (shown on the list page) must equal the rows, every message must
        have the revision its version names, holding its text, and every revision must belong to a
        message or a trashed one. SQLite also checks
        its file (``PRAGMA integrity_check``: pages, indexes, free lists) and the full-text index;
        PostgreSQL checks every B-tree index of messages against its table (amcheck).
        """
        found = []
        with self.engine.connect() as connection:
            if self.engine.dialect.name == "sqlite":
                result = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
                if result != ["ok"]:
                    found.append(f"PRAGMA integrity_check: {result}")
                try:
                    connection.exec_driver_sql(
                        "INSERT INTO messages_search(messages_search, rank) VALUES ('integrity-check', 1)"
                    )
                except Exception as error:  # noqa: BLE001 - any failure is the finding
                    found.append(f"full-text index: {error}")
                connection.rollback()
            if self.engine.dialect.name == "postgresql":
                found += self._postgres_index_problems(connection)
            rows = connection.execute(select(func.count()).select_from(messages)).scalar_one()
            kept = connection.execute(select(message_count.c.total)).scalar_one()
            if rows != kept:
                found.append(f"message_count says {kept}, but there are {rows} rows")
            found += self._revision_problems(connection)
        return found

    @staticmethod
    def _revision_problems(connection) -> list[str]:
        """Messages without the revision of their state, and revisions of no message."""
        revision = message_revisions.c
        at_its_revision = (
            select(revision.id)
            .where(revision.message_id == messages.c.id, revision.number == messages.c.version)
            .where(revision.text == messages.c.text)
        )
        unrecorded = connection.execute(select(messages.c.key).where(~at_its_revision.exists())).scalars().all()
        orphans = connection.execute(
            select(revision.message_id, revision.number)
            .where(~select(messages.c.id).where(messages.c.id == revision.message_id).exists())
            .where(~select(trashed_messages.c.id).where(trashed_messages.c.id == revision.message_id).exists())
        ).all()
        return [f"no revision holds the state of {key}" for key in unrecorded[:10]] + [
            f"revision {number} of message {message_id} belongs to no message" for message_id, number in orphans[:10]
        ]

    @staticmethod
    def _postgres_index_problems(connection) -> list[str]:
        """amcheck's findings on the messages table's B-tree indexes (an error names the corruption)."""
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck SCHEMA public")
                checked = [name for name, _ in connection.exec_driver_sql(POSTGRES_INDEX_CHECK)]
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            return [f"amcheck: {error}"]
        return [] if checked else ["amcheck found no B-tree index on messages to check"]

    def dispose(self) -> None:
        """Close the connections."""
        self.engine.dispose()


@dataclass
class Figures:
    """What one stress test measured, for its summary line."""

    name: str
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    latencies: list[float] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, requests: int = 1, latency: float | None = None) -> None:
        """Count requests made (thread-safe), with the latency of one that is timed."""
        with self.lock:
            self.requests += requests
            if latency is not None:
                self.latencies.append(latency)

    def stop(self) -> None:
        """Fix the elapsed time."""
        self.extra.setdefault("seconds", time.monotonic() - self.started)

    def summary(self) -> str:
        """One line: requests per second, latency percentiles and whatever else was recorded."""
        self.stop()
        seconds = self.extra["seconds"]
        parts = [f"{self.name}: {self.requests} requests in {seconds:.1f} s ({self.requests / seconds:.0f}/s)"]
        if len(self.latencies) >= 2:
            cuts = statistics.quantiles(self.latencies, n=100, method="inclusive")
            parts.append(
                f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, max {max(self.latencies) * 1000:.0f} ms"
            )
        parts += [f"{name} {value}" for name, value in self.extra.items() if name != "seconds"]
        return "; ".join(parts)


# Lines of gunicorn's log (access and errors, the app's own logging included) that reveal a problem.
_LOG_PROBLEM = re.compile(r'database is locked|Traceback|Error|Exception|CRITICAL|WORKER TIMEOUT|" 5\d\d ')


def log_problems(log: str, allowed: re.Pattern | None = None) -> list[str]:
    """The lines of gunicorn's log that show an error, a traceback, a locked database or a 5xx."""
    return [line for line in log.splitlines() if _LOG_PROBLEM.search(line) and not (allowed and allowed.search(line))]
