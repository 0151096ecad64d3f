"""What the site must know of the WSGI server loading it in this process: whether that server may load
the app again in a process it starts later, and how this process stops the whole server."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from messageboard.core import ConfigError, report, stop_on
from messageboard.core.health import LIVENESS_PATH, READINESS_PATH
from messageboard.http_security import security_headers

# httpd's APEXIT_CHILDFATAL (os.h): Apache shuts down when one of its children, mod_wsgi's daemon
# processes included, ends with it ("Child ... returned a Fatal error... Apache is exiting!").
APACHE_CHILD_FATAL = 15
# <linux/prctl.h>: the signal the kernel sends a process when the thread that forked it ends.
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Server:
    """A WSGI server as the process loading the app sees it."""

    name: str
    # Whether a process started after the first start loads the app again (a replaced worker),
    # possibly during a database outage, or with the build gone, neither of which may stop it.
    loads_again: bool
    stop: Callable[[ConfigError], NoReturn]


def current_server() -> Server:
    """The server loading the app in this process, known by the modules it imported before."""
    mod_wsgi = sys.modules.get("mod_wsgi")
    # Apache's embedded module; the mod_wsgi package pip installs (mod_wsgi-express) has no process_group.
    if getattr(mod_wsgi, "process_group", None) is not None:
        return Server("mod_wsgi", loads_again=True, stop=stop_apache)
    uwsgi = sys.modules.get("uwsgi")
    if uwsgi is not None:
        # Worker 0 is the master, or the only process, loading the app once before any worker forks;
        # a worker loads it itself only with --lazy-apps, and again each time it is replaced.
        if uwsgi.worker_id() == 0:
            return Server("uWSGI", loads_again=False, stop=stop_on)
        return Server("uWSGI (lazy-apps worker)", loads_again=True, stop=stop_uwsgi_from_worker)
    if "gunicorn.arbiter" in sys.modules:
        return Server("gunicorn", loads_again=True, stop=stop_gunicorn_worker)
    return Server("one process (Waitress...)", loads_again=False, stop=stop_on)


def stop_apache(problem: ConfigError) -> NoReturn:
    """Report, then end this process so that Apache shuts down: mod_wsgi would catch SystemExit, log a
    traceback and load the file again on every request, answering 500."""
    report(problem)
    os._exit(APACHE_CHILD_FATAL)


def stop_uwsgi_from_worker(problem: ConfigError) -> NoReturn:
    """Report, then have uWSGI's master stop every process: a worker that only exits is replaced, and
    fails again, for ever."""
    report(problem)
    sys.modules["uwsgi"].stop()
    os._exit(1)


def stop_gunicorn_worker(problem: ConfigError) -> NoReturn:
    """Report, then exit with the status on which gunicorn's master stops ("Worker failed to boot")
    instead of replacing the worker."""
    from gunicorn.arbiter import Arbiter

    report(problem)
    sys.exit(Arbiter.WORKER_BOOT_ERROR)


# What a worker whose settings broke while the server served answers; the log has the one line saying why.
UNAVAILABLE = {
    LIVENESS_PATH: ("200 OK", "ok"),
    READINESS_PATH: ("503 Service Unavailable", "settings: this worker cannot load them (the server's log says why)"),
}
SETTINGS_BROKEN = (
    "503 Service Unavailable",
    "This server process cannot serve pages: the site's settings were changed into an error after the server "
    "started, and its log says which.",
)


def serve_unavailable(problem: ConfigError):
    """Report ``problem``, then return a WSGI app answering 503 to all but ``/healthz``: for a worker whose
    settings broke after the server's first start, which must not stop the workers still serving."""
    report(problem)

    def unavailable(environ, start_response):
        status, text = UNAVAILABLE.get(environ.get("PATH_INFO", ""), SETTINGS_BROKEN)
        body = f"{text}\n".encode()
        headers = [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            # The settings cannot be read, so neither can HSTS_SECONDS: every other header, as always.
            *security_headers({"HSTS_SECONDS": 0}),
        ]
        start_response(status, headers)
        return [body]

    return unavailable


def die_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process (SIGKILL) the moment its parent ``parent_pid`` ends, on Linux; end
    it now if that parent has ended already. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    # The parent may have ended before the call, leaving this process another's child already.
    if os.getppid() != parent_pid:
        os._exit(1)
