"""How the app's Jinja finds and renders templates: a theme's first, each built-in one also by the name
a theme extends it by, and, where STRICT_TEMPLATES is on, an undefined variable an error."""

from collections.abc import Mapping

from flask import Flask
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader, StrictUndefined

from messageboard.core import BUILT_IN_TEMPLATES, template_folders
from messageboard.core.setting import Setting, flag

SETTINGS: tuple[Setting, ...] = (
    # Development and Testing: `{{ nmae }}` is an error page naming the file and line, not an empty string.
    flag("STRICT_TEMPLATES", False),
)

# The name a theme's template extends the built-in one of its own name by: "messageboard/base.html".
BUILT_IN_TEMPLATE_PREFIX = "messageboard"


def template_loader(values: Mapping) -> BaseLoader:
    """Templates by name, the theme's first, and each built-in one also as ``messageboard/<name>``."""
    built_in = PrefixLoader({BUILT_IN_TEMPLATE_PREFIX: FileSystemLoader(BUILT_IN_TEMPLATES)})
    return ChoiceLoader([FileSystemLoader(template_folders(values)), built_in])


def init_templating(app: Flask) -> None:
    """Give the app's Jinja its loader, its whitespace rules and, if STRICT_TEMPLATES, StrictUndefined."""
    app.jinja_loader = template_loader(app.config)
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    if app.config["STRICT_TEMPLATES"]:
        app.jinja_env.undefined = StrictUndefined
