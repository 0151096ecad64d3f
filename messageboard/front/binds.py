"""Whether gunicorn listens where slow and idle clients can reach its sync workers without nginx."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})


def exposed_binds(binds: Iterable[str]) -> list[str]:
    """The binds that listen beyond this machine: not a unix: socket, an fd:// or a loopback address."""
    return [bind for bind in binds if not _stays_local(bind)]


def _stays_local(bind: str) -> bool:
    """Whether one gunicorn bind (``unix:/path``, ``fd://3``, ``host:port``, ``[::1]:port``) is local."""
    if bind.startswith(("unix:", "fd://")):
        return True
    host = bind.rsplit("]", 1)[0].lstrip("[") if bind.startswith("[") else bind.rpartition(":")[0]
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name, or no host at all (every address)
        return False


def exposed_bind_warning(binds: Iterable[str]) -> str | None:
    """The warning gunicorn prints at start for binds beyond this machine, or None."""
    exposed = exposed_binds(binds)
    if not exposed:
        return None
    return (
        f"messageboard: gunicorn listens on {', '.join(exposed)}, beyond this machine: each sync worker "
        "waits on a slow or idle client for up to GUNICORN_TIMEOUT, so a few such clients take the site "
        "down. Serve it behind nginx, as `make serve` does (docs/deploy.md, config/nginx.conf), with "
        "gunicorn on a unix: socket or 127.0.0.1."
    )
