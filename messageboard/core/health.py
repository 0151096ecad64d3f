"""The health checks' URL paths, known to every layer: the host check and the page cache let them by."""

# The process answers: nothing else is looked at.
LIVENESS_PATH = "/healthz"
# The process can serve: the database answers and the static files it serves are built and on disk.
READINESS_PATH = "/readyz"
HEALTH_PATHS = frozenset({LIVENESS_PATH, READINESS_PATH})
