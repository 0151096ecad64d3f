"""nginx's configuration for the site, rendered from the templates in config/ and the site's settings."""

from __future__ import annotations

import grp
import os
import pwd
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from messageboard.assets.build import HASHED_NAME
from messageboard.core import PROJECT_ROOT, ConfigError
from messageboard.core.files import write_atomically
from messageboard.http_security import security_headers

SITE_TEMPLATE = PROJECT_ROOT / "config" / "nginx.conf"
STANDALONE_TEMPLATE = PROJECT_ROOT / "config" / "nginx-standalone.conf"
SITE_FILE, STANDALONE_FILE, ERRORS_FOLDER, TEMP_FOLDER = "site.conf", "nginx.conf", "errors", "temp"
# The URL path nginx serves its error pages from, internally: no visitor can ask for it.
ERRORS_URL = "/_front/errors"
# Debian's libnginx-mod-http-brotli-static.
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
# Characters nginx would read as a variable or a string's end; unquoted, also a word's or a directive's end.
UNSAFE_QUOTED = re.compile(r'[$"\\\n]')
UNSAFE_BARE = re.compile(r'[$"\'\\\s;{}#]')
UNSAFE_IN_REGEX = re.compile(r'["\n]')


@dataclass(frozen=True)
class FrontOptions:
    """Where nginx listens and finds gunicorn, and what stands in front of it."""

    out: Path
    listen: str = "127.0.0.1:8080"
    upstream: str = "unix:/run/messageboard/gunicorn.sock"
    # A balancer in front: its X-Forwarded-Proto is passed on, and every connection is its own,
    # so the per-address limits are left to it.
    behind_balancer: bool = False
    connections_per_address: int = 32
    # Searches per visitor's address: this many a second, after a burst of this many more (0: no limit).
    searches_per_second: int = 5
    search_burst: int = 10
    # nginx ends TLS itself with this certificate chain and key (PEM files), both or neither.
    tls_certificate: Path | None = None
    tls_key: Path | None = None


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill each @NAME@ from ``values``, each line of a value at its line's indent; an unknown name is an error."""

    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ConfigError(f"nginx template: no value for @{match.group(1)}@")
        return values[match.group(1)]

    lines = []
    for line in template.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        filled = PLACEHOLDER.sub(value, line)
        lines += [indent + part.lstrip() if part else part for part in filled.splitlines()] if filled else [""]
    return "\n".join(lines) + "\n"


def quoted(text: str, what: str, unsafe: re.Pattern = UNSAFE_QUOTED) -> str:
    """``text``, checked to stand inside an nginx double-quoted string; else a ConfigError naming ``what``."""
    if unsafe.search(text):
        raise ConfigError(f"{what} has a character nginx would misread in its configuration: {text!r}")
    return text


def bare(text: str, what: str) -> str:
    """``text``, checked to stand as one unquoted nginx word; else a ConfigError naming ``what``."""
    return quoted(text, what, UNSAFE_BARE)


def header_lines(config: Mapping) -> str:
    """``add_header`` lines for ``security_headers(config)``, on nginx's own answers too (``always``)."""
    return "\n".join(f'add_header {name} "{quoted(value, name)}" always;' for name, value in security_headers(config))


def error_page_lines(pages: Mapping[int, int]) -> str:
    """``error_page`` lines sending each status nginx answers to the page of the status it is shown as."""
    return "\n".join(
        f"error_page {code} {'' if code == shown else f'={shown} '}{ERRORS_URL}/{shown}.html;"
        for code, shown in pages.items()
    )


def site_values(config: Mapping, public_folder: Path, pages: Mapping[int, int], options: FrontOptions) -> dict:
    """The values of config/nginx.conf's placeholders."""
    limit = options.connections_per_address
    return {
        "UPSTREAM": bare(options.upstream, "--upstream"),
        "LISTEN": bare(options.listen, "--listen") + (" ssl http2" if options.tls_certificate else ""),
        "TLS": tls_lines(options),
        "TRUSTED_HOSTS": host_map_lines(config["TRUSTED_HOSTS"]),
        "MAX_BODY_BYTES": str(config["MAX_CONTENT_LENGTH"]),
        "LIMIT_CONN": (
            f"limit_conn messageboard_addresses {limit};"
            if limit and not options.behind_balancer
            else "# No per-address limit here: the balancer in front has every connection's address."
        ),
        **search_limit_values(options),
        "ERROR_PAGES": error_page_lines(pages),
        "STATIC_URL_PATH": bare(config["STATIC_URL_PATH"], "STATIC_URL_PATH"),
        "PUBLIC_FOLDER": quoted(str(public_folder), "the built static folder"),
        "SECURITY_HEADERS": header_lines(config),
        # A regular expression, which nginx reads as written: its $ and \ are the expression's own.
        "HASHED_NAME": quoted(HASHED_NAME.pattern, "HASHED_NAME", UNSAFE_IN_REGEX),
        "STATIC_MAX_AGE": str(config["STATIC_MAX_AGE"]),
        "ERRORS_URL": ERRORS_URL,
        "ERRORS_FOLDER": quoted(str(options.out.resolve() / ERRORS_FOLDER), "--out"),
        "FORWARDED_PROTO": "$http_x_forwarded_proto" if options.behind_balancer else "$scheme",
    }


def search_limit_values(options: FrontOptions) -> dict:
    """The search limit's zone and ``limit_req`` line, or comments saying why there is none."""
    if options.behind_balancer:
        why = "every request has the balancer's address (limit searches per visitor there)"
    elif not options.searches_per_second:
        why = "--searches-per-second is 0"
    else:
        return {
            "SEARCH_ZONE": (
                "limit_req_zone $messageboard_search_address zone=messageboard_searches:10m "
                f"rate={options.searches_per_second}r/s;"
            ),
            # nginx refuses burst=0: no burst is written as none.
            "LIMIT_SEARCHES": "limit_req zone=messageboard_searches"
            + (f" burst={options.search_burst} nodelay;" if options.search_burst else ";"),
        }
    return {"SEARCH_ZONE": f"# No search limit per address: {why}.", "LIMIT_SEARCHES": "# No search limit (above)."}


def host_map_lines(hosts) -> str:
    """The map's lines: each of ``TRUSTED_HOSTS`` 0 (without a port, which nginx's $host never has), others 1."""
    if hosts is None:
        return "default 0;  # TRUSTED_HOSTS is not set: the site answers any host"
    names = dict.fromkeys(bare(without_port(host.lower()), "TRUSTED_HOSTS") for host in hosts)
    return "\n".join(["default 1;", *(f"{name} 0;" for name in names)])


def without_port(host: str) -> str:
    """``host`` without a ``:port``: ``example.org:8080`` is ``example.org``, ``[::1]:8080`` is ``[::1]``."""
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0] if host.count(":") == 1 else host


def tls_lines(options: FrontOptions) -> str:
    """The TLS directives for nginx ending TLS itself (Mozilla's intermediate profile), or a comment."""
    if (options.tls_certificate is None) != (options.tls_key is None):
        raise ConfigError("--tls-certificate and --tls-key go together: give both, or neither")
    if options.tls_certificate is None:
        return "# No TLS here: a balancer in front ends it, or --tls-certificate and --tls-key add it."
    return "\n".join(
        [
            f'ssl_certificate "{quoted(str(options.tls_certificate.resolve()), "--tls-certificate")}";',
            f'ssl_certificate_key "{quoted(str(options.tls_key.resolve()), "--tls-key")}";',
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_prefer_server_ciphers off;",
            "ssl_session_cache shared:messageboard_tls:10m;",
            "ssl_session_timeout 1d;",
            "ssl_session_tickets off;",
        ]
    )


def standalone_values(work_dir: Path) -> dict:
    """The values of config/nginx-standalone.conf's placeholders, for nginx run from ``work_dir``."""
    return {
        "USER": worker_user(work_dir),
        "WORK_DIR": quoted(str(work_dir.resolve()), "--out"),
        "BROTLI_MODULE": BROTLI_MODULE,
    }


def worker_user(work_dir: Path) -> str:
    """The ``user`` directive for nginx run by root: the work folder's owner; nothing otherwise."""
    if os.geteuid() != 0:
        return "# Not run by root: the workers are this user."
    owner = work_dir.stat()
    return f"user {pwd.getpwuid(owner.st_uid).pw_name} {grp.getgrgid(owner.st_gid).gr_name};"


def write_config(
    config: Mapping, public_folder: Path, pages: Mapping[int, int], options: FrontOptions, *, standalone: bool
) -> list[Path]:
    """Write site.conf, and nginx.conf with its temp folder if ``standalone``, into ``options.out``; return them."""
    out = options.out
    out.mkdir(parents=True, exist_ok=True)
    written = [out / SITE_FILE]
    site = render(SITE_TEMPLATE.read_text(), site_values(config, public_folder, pages, options))
    write_atomically(written[0], site.encode())
    if standalone:
        (out / TEMP_FOLDER).mkdir(exist_ok=True)
        written.append(out / STANDALONE_FILE)
        write_atomically(written[1], render(STANDALONE_TEMPLATE.read_text(), standalone_values(out)).encode())
    return written
