"""The two health checks' views: the process answers, and the process can serve."""

from __future__ import annotations

from flask import Blueprint, Response, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from messageboard.assets import build_problem
from messageboard.core.health import LIVENESS_PATH, READINESS_PATH
from messageboard.database.errors import first_line
from messageboard.database.schema import messages
from messageboard.extensions import db

bp = Blueprint("health", __name__)

# Neither a browser nor a proxy may keep an answer: each must be asked of the process itself.
NO_STORE = {"Cache-Control": "no-store"}


def plain(text: str, status: int = 200) -> Response:
    """``text`` and a newline as an uncached text/plain response."""
    return Response(text + "\n", status, NO_STORE, mimetype="text/plain")


@bp.get(LIVENESS_PATH)
def healthz():
    """Answer 200 ``ok``: the process runs and serves requests, whatever the database and the files."""
    return plain("ok")


@bp.get(READINESS_PATH)
def readyz():
    """Answer 200 ``ready`` if the database and the static files can serve pages, else 503 with a line for each
    problem."""
    problems = [problem for problem in (database_problem(), static_files_problem()) if problem]
    if problems:
        return plain("\n".join(problems), 503)
    return plain("ready")


def database_problem() -> str | None:
    """Why the database cannot serve pages now, in a line without its address; None if it answers with the
    site's tables."""
    try:
        with db.reading() as connection:
            connection.execute(select(messages.c.id).limit(1)).all()
    except SQLAlchemyError as error:
        # The error may name the database's host and user: the log keeps it, the public answer does not;
        # once per cause, as for pages, however often a balancer asks.
        if db.outages.failure(error):
            current_app.logger.warning("/readyz: the database does not answer: %s", first_line(error))
        return f"database: no answer, or no tables for the site ({type(error).__name__}: the server's log says why)"
    return None


def static_files_problem() -> str | None:
    """Why the static files this process serves are not all there, in a line naming the command; None if
    they are."""
    problem = build_problem(current_app.extensions["messageboard.assets"].paths)
    return f"static files: {problem}" if problem else None
