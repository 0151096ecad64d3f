"""What the site must know of the WSGI server loading it in this process: whether that server may load
the app again in a process it starts later, and how this process stops the whole server."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from messageboard.core import ConfigError, report, stop_on

# httpd's APEXIT_CHILDFATAL (os.h): Apache shuts down when one of its children, mod_wsgi's daemon
# processes included, ends with it ("Child ... returned a Fatal error... Apache is exiting!").
APACHE_CHILD_FATAL = 15


@dataclass(frozen=True)
class Server:
    """A WSGI server as the process loading the app sees it."""

    name: str
    # Whether a process started after the first start loads the app again (a replaced worker),
    # possibly during a database outage that must not stop it.
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
