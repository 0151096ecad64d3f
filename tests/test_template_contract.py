"""docs/templates.md is the contract for theme overrides: every template, its blocks, macros and variables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import template_rendered
from jinja2 import meta, nodes

from messageboard.core import PROJECT_ROOT
from tests.helpers import add_message, form_fields, parse, submit_form

DOCS = PROJECT_ROOT / "docs" / "templates.md"
TEMPLATES = PROJECT_ROOT / "templates"
SECTION = re.compile(r"^#{2,3} `(?P<name>[^`]+)`\s*$")
LINE = re.compile(r"^- \*\*(?P<label>Extends|Blocks|Macros|Variables):\*\*\s*(?P<rest>.*)$")
VARIABLE = re.compile(r"^\s+- `(?P<name>\w+)[`(]")
FIRST_NAME = re.compile(r"`(\w+)")
MACRO_NAME = re.compile(r"`(\w+)\(")


@dataclass
class Documented:
    """What docs/templates.md says of one template."""

    extends: set[str] = field(default_factory=set)
    blocks: set[str] = field(default_factory=set)
    macros: set[str] = field(default_factory=set)
    variables: dict[str, str] = field(default_factory=dict)  # name -> its description


def read_contract() -> dict[str, Documented]:
    """Every section of the docs, by template name (the shared section as "*")."""
    sections: dict[str, Documented] = {}
    current = None
    in_variables = False
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Available in every template"):
            current = sections.setdefault("*", Documented())
            continue
        if heading := SECTION.match(line):
            current = sections.setdefault(heading["name"], Documented())
            in_variables = False
            continue
        if current is None:
            continue
        if labelled := LINE.match(line):
            label, rest = labelled["label"], labelled["rest"].strip()
            in_variables = label == "Variables"
            if not in_variables:
                setattr(current, label.lower(), set() if rest == "-" else _names(label, rest))
            continue
        if in_variables and (variable := VARIABLE.match(line)):
            current.variables[variable["name"]] = line
        elif not line.startswith(" "):
            in_variables = False
    return sections


def _names(label: str, rest: str) -> set[str]:
    """The names a line lists: `a` (what it is), `b`, ... ; macros as `name(arguments)`: what it does."""
    if label == "Macros":
        return set(MACRO_NAME.findall(rest))
    if label == "Blocks":
        return set(FIRST_NAME.findall(rest))
    return set(re.findall(r"`([^`]+)`", rest))


def template_names() -> list[str]:
    return sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))


@dataclass(frozen=True)
class Uses:
    """What a template's source uses: its parent, blocks, macros and the variables it reads."""

    extends: set[str]
    blocks: set[str]
    macros: set[str]
    variables: set[str]


def uses_of(app, name: str) -> Uses:
    return uses_of_source(app, (TEMPLATES / name).read_text(encoding="utf-8"))


def uses_of_source(app, source: str) -> Uses:
    tree = app.jinja_env.parse(source)
    # Names the template binds itself (set, for, with, macro arguments, imports) are not inputs,
    # though Jinja's analysis reports some of them (a {% set %} inside an {% if %}, say).
    bound = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}
    bound |= {node.target for node in tree.find_all(nodes.Import)}
    bound |= {
        name if isinstance(name, str) else name[1] for node in tree.find_all(nodes.FromImport) for name in node.names
    }
    return Uses(
        extends={node.template.value for node in tree.find_all(nodes.Extends)},
        blocks={node.name for node in tree.find_all(nodes.Block)},
        macros={node.name for node in tree.find_all(nodes.Macro)},
        variables=meta.find_undeclared_variables(tree) - bound,
    )


@pytest.fixture(scope="module")
def contract() -> dict[str, Documented]:
    return read_contract()


def test_every_template_has_a_section_and_every_section_a_template(contract):
    documented = set(contract) - {"*"}
    assert documented == set(template_names())


@pytest.mark.parametrize("name", template_names())
def test_a_template_uses_only_documented_variables(app, contract, name):
    undocumented = uses_of(app, name).variables - set(contract[name].variables) - set(contract["*"].variables)
    assert not undocumented, f"{name} uses {sorted(undocumented)}: document them in docs/templates.md"


@pytest.mark.parametrize("name", template_names())
def test_a_templates_blocks_macros_and_parent_are_as_documented(app, contract, name):
    uses, documented = uses_of(app, name), contract[name]
    assert (uses.extends, uses.blocks, uses.macros) == (documented.extends, documented.blocks, documented.macros)


def test_the_contract_test_catches_an_undocumented_variable(app, contract):
    source = (
        '{% from "_partials/_time.html" import time %}{% if message %}{% set shown = message.text %}{% endif %}'
        "{{ shown }} {{ time(message.updated_at) }} {{ secret_extra }} {{ static_export }}"
    )
    uses = uses_of_source(app, source)
    undocumented = uses.variables - set(contract["messages/show.html"].variables) - set(contract["*"].variables)
    assert undocumented == {"secret_extra"}


def rendered_contexts(app, client, requests) -> dict[str, set[str]]:
    """The context keys each template was rendered with, over the given page requests."""
    seen: dict[str, set[str]] = {}

    def record(sender, template, context, **extra):
        seen.setdefault(template.name, set()).update(context)

    with template_rendered.connected_to(record, app):
        for request in requests:
            request(client)
    return seen


def test_pages_receive_every_variable_documented_as_theirs(app, contract):
    client = app.test_client()
    add_message(client, "greeting", "Hello")
    edit_form = "/messages/greeting/edit"
    stale = client.get(edit_form)  # opened, then someone else saves first
    submit_form(client, edit_form, {"text": "Saved first"})

    def conflict(client):
        form = parse(stale).select_one('main form[method="post"]')
        client.post(form["action"], data={**form_fields(form), "text": "Saved second"})

    seen = rendered_contexts(
        app,
        client,
        [
            lambda client: client.get("/"),
            lambda client: client.get("/messages/greeting"),
            lambda client: client.get("/messages/new"),
            lambda client: client.get(edit_form),
            conflict,
            lambda client: client.get("/messages/greeting/delete"),
            lambda client: client.get("/messages/nothing-here"),
        ],
    )
    pages = [
        "messages/index.html",
        "messages/show.html",
        "messages/new.html",
        "messages/edit.html",
        "messages/delete.html",
        "errors/error.html",
    ]
    for name in pages:
        missing = set(contract[name].variables) - seen[name]
        assert not missing, f"{name} is documented as receiving {sorted(missing)}, which no view passes"
