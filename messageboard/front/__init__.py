"""The production front: nginx before gunicorn on a Unix socket (config/nginx.conf, `make serve`).

``flask front nginx-config`` renders the committed templates with the site's settings: the security
headers from ``http_security.security_headers``, the static URL path and built folder, the body
limit and the short max-age, and writes the error pages nginx answers itself (502, 504, 413, a
missing static file's 404...) with the site's own error template. ``binds`` warns when gunicorn
listens beyond this machine without it.
"""

from messageboard.front.binds import exposed_bind_warning
from messageboard.front.cli import front_cli

__all__ = ["exposed_bind_warning", "front_cli"]
