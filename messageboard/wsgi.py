"""The site for WSGI servers, as ``application`` (the name uWSGI, mod_wsgi and Waitress look for) and
``app``, made once the start-up checks pass; a problem stops the server with its one line, except in a
worker of gunicorn's master, which checked the first start: there it answers 503 instead."""

import signal
import sys
from pathlib import Path

# uWSGI's --lazy-apps workers load the app before setting their own signal handlers, so SIGINT is
# still Python's KeyboardInterrupt: a worker loading when the master stops them all (on a problem
# another worker found) would print a traceback and go on "in full dynamic mode" until killed.
if "uwsgi" in sys.modules and sys.modules["uwsgi"].worker_id() > 0:
    signal.signal(signal.SIGINT, signal.SIG_DFL)

# uWSGI's --wsgi-file and mod_wsgi load this file by its path, without the project folder on
# sys.path. mod_wsgi puts this file's own folder there instead, which would import the package's
# modules a second time, as top-level ones.
_PACKAGE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != _PACKAGE]
if _PACKAGE.parent not in {Path(entry or ".").resolve() for entry in sys.path}:
    sys.path.insert(0, str(_PACKAGE.parent))

from messageboard import create_app  # noqa: E402
from messageboard.core import ConfigError  # noqa: E402
from messageboard.servers import current_server, serve_unavailable  # noqa: E402
from messageboard.startup import check_first_start, check_loaded_again, forked_from_first_start  # noqa: E402

server = current_server()
try:
    # A server that loads the app once checks what gunicorn's master checks at its first start; one
    # that loads it again in processes it starts later must not stop for a database outage, nor for
    # a build deleted or outdated while it serves (its static files answer 404, /readyz 503).
    if server.loads_again:
        check_loaded_again()
    else:
        check_first_start()
    application = create_app()
except ConfigError as problem:
    if server.loads_again and forked_from_first_start():
        # Settings broken since gunicorn's master checked them: stopping would take down the workers
        # still serving with the settings they loaded.
        application = serve_unavailable(problem)
    else:
        server.stop(problem)
app = application
