"""gunicorn settings for messageboard; bind and workers come from the environment."""

import os
from pathlib import Path

# Import the app from the project folder whatever the current directory.
chdir = str(Path(__file__).resolve().parent.parent)
wsgi_app = "messageboard.wsgi:application"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
# Sync workers each serve one request at a time: two per core keeps the cores busy while one
# worker waits on the database, plus one for a request that is slow for other reasons.
# The CPUs this process may run on (a container's cpuset), not every CPU of the machine.
workers = int(os.environ.get("WEB_CONCURRENCY", len(os.sched_getaffinity(0)) * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
keepalive = 5
# Requests are small; reject oversized request lines and headers before they reach Flask.
limit_request_line = 8190
limit_request_fields = 100
# Which X-Forwarded-* headers to believe is the app's decision (PROXY_FIX_*, werkzeug's ProxyFix),
# made in one place: by default gunicorn would take the scheme from X-Forwarded-Proto itself, from
# any client on 127.0.0.1 or a Unix socket, proxy configured or not.
secure_scheme_headers = {}

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn 27 opens a control socket in the home folder by default; the site does not use it.
control_socket_disable = True
# Heartbeat files in memory, not on a disk that may stall a busy server.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def on_starting(server):
    """Warn of a bind beyond this machine; check the settings, the built assets, the database and its
    tables once, in the master, so a problem stops it in one line."""
    from messageboard.core import ConfigError, stop_on
    from messageboard.front import exposed_bind_warning
    from messageboard.startup import check_first_start

    if warning := exposed_bind_warning(server.cfg.bind):
        server.log.warning(warning)
    try:
        check_first_start()
    except ConfigError as problem:
        stop_on(problem)


def post_worker_init(worker):
    """Have the worker die with its master, then say it has loaded the app and serves: gunicorn's own
    "Booting worker" comes before."""
    from messageboard.servers import die_with_parent

    # A master killed with SIGKILL leaves its workers running, and holding the listening socket, so a
    # new gunicorn cannot bind the port: a sync worker waiting on an idle client ignores SIGTERM
    # until the client speaks, hence SIGKILL. Set here, after gunicorn drops to `user`/`group`,
    # which would clear it; SO_REUSEPORT instead would let the orphans go on taking connections.
    die_with_parent(worker.ppid)
    worker.log.info("Worker ready (pid: %s)", worker.pid)
