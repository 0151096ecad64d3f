"""Where Jinja finds templates: a theme's first, and each built-in one also by the name a theme extends it by."""

from collections.abc import Mapping

from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader

from messageboard.core import BUILT_IN_TEMPLATES, template_folders

# The name a theme's template extends the built-in one of its own name by: "messageboard/base.html".
BUILT_IN_TEMPLATE_PREFIX = "messageboard"


def template_loader(values: Mapping) -> BaseLoader:
    """Templates by name, the theme's first, and each built-in one also as ``messageboard/<name>``."""
    built_in = PrefixLoader({BUILT_IN_TEMPLATE_PREFIX: FileSystemLoader(BUILT_IN_TEMPLATES)})
    return ChoiceLoader([FileSystemLoader(template_folders(values)), built_in])
