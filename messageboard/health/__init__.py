"""Health checks for load balancers and monitors, answering any Host, never cached, in plain text:

- ``GET /healthz``: 200 ``ok`` while the process answers; it looks at nothing else.
- ``GET /readyz``: 200 ``ready`` while the database answers with the site's tables and the static
  files this process serves are built, on disk and built from the current sources; otherwise 503,
  one line per problem, each naming what to do (the database's own error goes to the log only).

The paths are ``core.health``'s, which the host check (``http_security``) and the page cache know.
"""

from flask import Flask

from messageboard.health.views import bp

__all__ = ["bp", "init_health"]


def init_health(app: Flask) -> None:
    """Register the health checks; the development server's asset rebuild never runs before them."""
    app.register_blueprint(bp)
    app.extensions["messageboard.assets"].endpoints_without_assets |= {"health.healthz", "health.readyz"}
