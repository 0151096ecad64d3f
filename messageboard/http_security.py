"""What every request meets before the site: its proxies' headers, the host check, the security headers.

``init_http_security`` wraps these around everything else, WhiteNoise's static files and the page
cache included, so that every response is covered (outermost first):

1. werkzeug's ``ProxyFix``, only where a ``PROXY_FIX_*`` hop count is above 0: the visitor's address,
   scheme, host, port and path prefix are taken from that many proxies' X-Forwarded-* entries,
   counted from the right (the one each proxy appended), so an entry a visitor forged further
   left is never believed. Without a count, those headers are ignored.
2. ``SecurityHeaders``: a Host header outside ``TRUSTED_HOSTS`` gets the site's 400 page on every
   path but the health checks' (``core.health``); every response gets a Content-Security-Policy, X-Content-Type-Options, a Referrer-Policy, a Permissions-Policy, Cross-Origin-Opener-Policy and
   Cross-Origin-Resource-Policy and, where ``HSTS_SECONDS`` is set, Strict-Transport-Security; a
   redirect without a Cache-Control gets ``no-store``.

Not Flask-Talisman: it sets headers on Flask's responses only, and WhiteNoise (static files) and
the page cache answer before Flask runs. Flask's own ``TRUSTED_HOSTS`` check runs too late for the
same reason, and without a URL adapter its 400 page cannot be rendered (``url_for`` fails).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask
from werkzeug.exceptions import BadRequest, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted
from werkzeug.wsgi import get_host

from messageboard.core import ConfigError
from messageboard.core.health import HEALTH_PATHS
from messageboard.core.setting import Setting, parse_names, whole

# Hop counts for werkzeug's ProxyFix, one per X-Forwarded-* header.
PROXY_FIX_SETTINGS = (
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
)

SETTINGS: tuple[Setting, ...] = (
    # Strict-Transport-Security max-age in seconds (0: not sent); Production turns it on.
    whole("HSTS_SECONDS", 0, least=0, note="0: off"),
    # Host names the site answers to, e.g. ["example.org", ".example.org"] (a leading dot: that
    # name and its subdomains); any other Host header gets a 400 page, static files too. None: any
    # (Development and Testing only: Staging and Production refuse to start without it).
    # Read from text as a JSON list or names separated by commas; check_settings says what is wrong.
    Setting("TRUSTED_HOSTS", None, parse=parse_names),
    # Proxies in front of the site, as hop counts per X-Forwarded-* header (werkzeug's ProxyFix);
    # 0 ignores the header, so a visitor cannot forge their address or scheme without a proxy.
    *(whole(name, 0, least=0, note="0: off") for name in PROXY_FIX_SETTINGS),
)
TRUSTED_HOSTS_EXAMPLE = 'MESSAGEBOARD_TRUSTED_HOSTS=\'["example.org", ".example.org"]\''


def check_settings(values: Mapping) -> None:
    """TRUSTED_HOSTS is a list of host names as Host headers carry them, and a public site has one."""
    hosts = values.get("TRUSTED_HOSTS")
    if hosts is None and values.get("PUBLIC_SITE"):
        # As Django refuses to serve without ALLOWED_HOSTS: a site answering any Host header lets
        # a visitor choose the host in the links and redirects it builds, cached ones included.
        raise ConfigError(
            "TRUSTED_HOSTS is not set, and Staging and Production answer only the host names they "
            f"are given: set it, like {TRUSTED_HOSTS_EXAMPLE}",
            setting="TRUSTED_HOSTS",
        )
    if hosts is not None and (not isinstance(hosts, list | tuple) or not hosts):
        raise ConfigError(
            f"TRUSTED_HOSTS must be a list of host names, like {TRUSTED_HOSTS_EXAMPLE}, "
            f"or null to answer any host, not {hosts!r}",
            setting="TRUSTED_HOSTS",
        )
    for host in hosts or ():
        if not isinstance(host, str) or not _is_host_name(host.removeprefix(".")):
            raise ConfigError(
                f"TRUSTED_HOSTS has {host!r}, which is not a host name: write names like "
                f"{TRUSTED_HOSTS_EXAMPLE} (a leading dot also accepts subdomains), without scheme "
                "or path",
                setting="TRUSTED_HOSTS",
            )


def _is_host_name(host: str) -> bool:
    """Whether ``host`` is a name or address, with an optional port, as a Host header carries it."""
    try:
        return host_is_trusted(host.encode("idna").decode("ascii"), None)
    except UnicodeError:
        return False


# Everything from this site's own origin, nothing inline: no <script> or <style> elements, style=""
# or on...="" attributes, eval, plugins, <base>, framing by other sites, or forms posting elsewhere.
# img-src allows data: URLs for images a stylesheet may inline; they cannot run script.
def content_security_policy(frame_ancestors: str = "'none'") -> str:
    """The site's Content-Security-Policy; ``frame_ancestors`` who may frame the page (by default nobody)."""
    return (
        "default-src 'self'; "
        "script-src 'self'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "object-src 'none'; "
        "base-uri 'none'; "
        f"frame-ancestors {frame_ancestors}; "
        "form-action 'self'"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
# Full URLs (keys, searches) to this site's own pages; nothing at all to other sites. Not
# no-referrer: Flask-WTF checks on HTTPS that a form's POST comes with a Referer from this site.
REFERRER_POLICY = "same-origin"
# The browser features the site never uses, denied to it and to anything it could be made to embed.
DENIED_FEATURES = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)
# A redirect without its own caching rule is not stored: its Location is built from the request.
REDIRECT_CACHE_CONTROL = "no-store"
# Redirects only: a 304 (Not Modified) updates the stored copy's headers, which must keep its caching.
REDIRECT_STATUSES = frozenset({"301", "302", "303", "307", "308"})


def security_headers(config) -> list[tuple[str, str]]:
    """The headers every response carries, for these settings."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", REFERRER_POLICY),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        # Another site's window keeps no handle on the site's, and its pages cannot load the site's files.
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]
    if config["HSTS_SECONDS"] > 0:
        # Sent on plain HTTP too, where browsers ignore it: the scheme seen here may be http behind
        # a proxy that serves HTTPS, and dropping the header there would be a silent downgrade.
        headers.append(("Strict-Transport-Security", f"max-age={config['HSTS_SECONDS']}; includeSubDomains"))
    return headers


def stand_in_host(config) -> str:
    """A host name ``TRUSTED_HOSTS`` accepts (the first), for rendering pages no visitor asked for by host."""
    hosts = config["TRUSTED_HOSTS"]
    return hosts[0].removeprefix(".") if hosts else "localhost"


class SecurityHeaders:
    """WSGI middleware: refuse untrusted hosts (the health checks answer any), and add the security headers
    to every response."""

    def __init__(self, app: Flask, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.headers = security_headers(app.config)
        self.names = {name.lower() for name, _ in self.headers}
        self.trusted_hosts = app.config["TRUSTED_HOSTS"]

    def __call__(self, environ, start_response):
        def start_with_headers(status, headers, exc_info=None):
            # A header the site set on purpose wins over the default.
            present = self.names.intersection(name.lower() for name, _ in headers)
            added = [header for header in self.headers if header[0].lower() not in present]
            if status[:3] in REDIRECT_STATUSES and not any(name.lower() == "cache-control" for name, _ in headers):
                added.append(("Cache-Control", REDIRECT_CACHE_CONTROL))
            return start_response(status, [*headers, *added], exc_info)

        if self.trusted_hosts is not None and environ.get("PATH_INFO") in HEALTH_PATHS:
            # A load balancer's health check may name the host by its address, or by no name at all.
            # Flask checks TRUSTED_HOSTS too, so the check is asked as of a trusted host: it builds no URL.
            environ = {**environ, "HTTP_HOST": stand_in_host(self.app.config)}
        elif self.trusted_hosts is not None:
            try:
                get_host(environ, self.trusted_hosts)
            except SecurityError:
                return self.refuse_host(environ, start_with_headers)
        return self.wsgi_app(environ, start_with_headers)

    def refuse_host(self, environ, start_response):
        """The site's 400 page naming the host, rendered as if asked of a trusted one (links are relative)."""
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        error = BadRequest(
            description=f"This site does not answer to the host name {host!r}: it is not one of its TRUSTED_HOSTS."
        )
        with self.app.request_context({**environ, "HTTP_HOST": stand_in_host(self.app.config)}):
            response = self.app.finalize_request(self.app.handle_user_exception(error))
        return response(environ, start_response)


def init_http_security(app: Flask) -> None:
    """Wrap the proxy fix, host check and headers around the app's WSGI stack; call after every other layer."""
    app.wsgi_app = SecurityHeaders(app, app.wsgi_app)
    hops = {name.removeprefix("PROXY_FIX_").lower(): app.config[name] for name in PROXY_FIX_SETTINGS}
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)
