"""``flask front nginx-config``: the site's nginx configuration and error pages, for `make serve` and
for deployment."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from messageboard.core import ConfigError
from messageboard.front.error_pages import STATUS_PAGES, write_error_pages
from messageboard.front.nginx import FrontOptions, write_config

front_cli = AppGroup("front", help="The production front: nginx before gunicorn.")


def count_option(flag: str, help_text: str):
    """A whole-number option of 0 or more, defaulting to FrontOptions' field of the same name."""
    default = getattr(FrontOptions, flag.removeprefix("--").replace("-", "_"))
    return click.option(flag, default=default, show_default=True, type=click.IntRange(min=0), help=help_text)


@front_cli.command("nginx-config")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write site.conf and errors/ into (nginx reads them from there).",
)
@click.option("--listen", default=FrontOptions.listen, show_default=True, help="nginx's listen address.")
@click.option(
    "--upstream", default=FrontOptions.upstream, show_default=True, help="gunicorn's address, as nginx writes it."
)
@click.option(
    "--behind-balancer",
    is_flag=True,
    help="A balancer stands in front: pass its X-Forwarded-Proto on, and leave the per-address limits to it.",
)
@count_option("--connections-per-address", "Requests in progress per visitor's address (0: no limit).")
@count_option(
    "--searches-per-second",
    "Searches (?q=) per visitor's address and second, past the burst; more get the 429 page (0: no limit).",
)
@count_option("--search-burst", "Searches per visitor's address allowed at once beyond the rate.")
@click.option(
    "--tls-certificate",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="nginx ends TLS: the certificate chain (PEM); with --tls-key.",
)
@click.option(
    "--tls-key", type=click.Path(dir_okay=False, exists=True, path_type=Path), help="The certificate's key (PEM)."
)
@click.option("--standalone", is_flag=True, help="Also write nginx.conf, the whole of nginx as `make serve` runs it.")
def nginx_config(out: Path, standalone: bool, **options):
    """Write the site's nginx configuration (config/nginx.conf, filled from the settings) and error pages."""
    front = FrontOptions(out=out, **options)
    try:
        written = write_error_pages(current_app, out)
        written += write_config(
            current_app.config, Path(current_app.static_folder), STATUS_PAGES, front, standalone=standalone
        )
    except ConfigError as problem:
        raise click.ClickException(str(problem)) from None
    for path in written:
        click.echo(f"Wrote {path}")
