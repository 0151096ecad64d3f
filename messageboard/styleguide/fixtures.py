"""The styleguide's fixtures file: sample messages, and the states of each page and macro, checked on load."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml
from jinja2 import Environment, TemplateNotFound
from werkzeug.http import HTTP_STATUS_CODES

from messageboard.core import ConfigError, project_path, shown_path
from messageboard.store import Action, Message, Revision, TrashedMessage
from messageboard.styleguide.states import FORM_FIELD_ARGUMENT, PAGES
from messageboard.templating import template_loader
from messageboard.text_diff import diff_texts
from messageboard.validation import InvalidMessage, check_key, check_text

STATE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# State fields (at any depth) naming a sample message, and the one naming a list of them.
MESSAGE_FIELDS = frozenset({"message", "greeting", "current"})
MESSAGE_LIST_FIELD = "messages"
# State fields and macro arguments naming a sample revision, the one naming a list of them, and the
# one naming two ({older: ..., newer: ...}) whose difference it is.
REVISION_FIELDS = frozenset({"revision", "older", "newer", "last_change"})
REVISION_LIST_FIELD = "revisions"
DIFF_FIELD = "lines"
# The field naming deleted messages: each {message, by, revisions}, deleted when the message last changed.
TRASHED_FIELD = "trashed"
COMMON_FIELDS = frozenset({"name", "title", "template", "status", "flashes", "static_export"})


@dataclass(frozen=True)
class State:
    """One state of a page: its template, the status the real page answers, and what the view would have."""

    name: str
    title: str
    template: str
    status: int
    data: Mapping
    flashes: tuple[tuple[str, str], ...] = ()
    static_export: bool = False

    @property
    def status_line(self) -> str:
        """The real page's status and its reason, like "422 Unprocessable Entity"."""
        return f"{self.status} {HTTP_STATUS_CODES.get(self.status, '')}".rstrip()


@dataclass(frozen=True)
class MacroState:
    """One way of calling a macro: a title and the arguments."""

    title: str
    arguments: Mapping


@dataclass(frozen=True)
class Macro:
    """A macro, the template that defines it, and its states."""

    template: str
    name: str
    states: tuple[MacroState, ...]
    list_class: str | None = None


@dataclass(frozen=True)
class Fixtures:
    """Everything the fixtures file describes, with sample messages already made into Messages."""

    path: Path
    modified: int | None
    digest: str
    states: Mapping[str, State]
    macros: tuple[Macro, ...]

    def by_template(self) -> dict[str, list[State]]:
        """The states grouped by template, in the order the file first names each template."""
        groups: dict[str, list[State]] = {}
        for state in self.states.values():
            groups.setdefault(state.template, []).append(state)
        return groups


def modified(path: Path) -> int | None:
    """When the file last changed (None if it is gone), to notice edits."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def load_fixtures(path: Path, templates: Environment) -> Fixtures:
    """Read and check the fixtures file, raising a one-line ConfigError naming it and the problem."""
    try:
        stamp, content = modified(path), path.read_bytes()
    except OSError as error:
        raise ConfigError(
            f"STYLEGUIDE_FIXTURES names {shown_path(path)}, which cannot be read ({error.strerror}): "
            "fix the path, or turn the styleguide off with MESSAGEBOARD_STYLEGUIDE=false"
        ) from None
    try:
        return _Reader(templates).read(path, stamp, content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(
            f"{shown_path(path)} is not valid YAML{where}: {getattr(error, 'problem', None) or error}"
        ) from None
    except _Problem as problem:
        raise ConfigError(f"{shown_path(path)}: {problem}") from None


def check_fixtures(settings: Mapping) -> None:
    """Raise ConfigError if the fixtures file the settings name is wrong; for a server's checks, before any app."""
    load_fixtures(project_path(settings["STYLEGUIDE_FIXTURES"]), Environment(loader=template_loader(settings)))


class _Problem(Exception):
    """What is wrong in the fixtures file, as a sentence."""


class _Reader:
    """Turns the parsed file into Fixtures, stopping at the first problem."""

    def __init__(self, templates: Environment):
        self.templates = templates
        self.messages: dict[str, Message] = {}
        self.revisions: dict[str, Revision] = {}

    def read(self, path: Path, stamp: int | None, content: bytes) -> Fixtures:
        document = yaml.safe_load(content)
        if not isinstance(document, dict) or not isinstance(document.get("states"), list):
            raise _Problem("the file needs a list of `states` (and may have `messages`, `revisions` and `macros`)")
        time = document.get("time", datetime(2026, 1, 1, tzinfo=UTC))
        for name, fields in (document.get("messages") or {}).items():
            self.messages[name] = self.message(name, fields, time)
        for name, fields in (document.get("revisions") or {}).items():
            self.revisions[name] = self.revision(name, fields)
        states: dict[str, State] = {}
        for fields in document["states"]:
            state = self.state(fields)
            if state.name in states:
                raise _Problem(f"two states are named {state.name!r}")
            states[state.name] = state
        macros = tuple(self.macro(fields, states) for fields in document.get("macros") or [])
        return Fixtures(path, stamp, hashlib.sha256(content).hexdigest()[:32], states, macros)

    def message(self, name: str, fields, time: datetime) -> Message:
        if not isinstance(fields, dict) or not {"key", "text"} <= set(fields):
            raise _Problem(f"message {name!r} needs a key and a text")
        key, text = fields["key"], generated_text(fields["text"])
        try:
            check_key(key)
            text = check_text(text)
        except InvalidMessage as problem:
            raise _Problem(f"message {name!r} could not be stored: {problem}") from None
        created = _utc(fields.get("created", time), name)
        # Versions of one message (an edit conflict's two sides) share its id, as in the database.
        number = next((message.id for message in self.messages.values() if message.key == key), len(self.messages) + 1)
        return Message(number, key, text, created, _utc(fields.get("updated", created), name), fields.get("version", 1))

    def revision(self, name: str, fields) -> Revision:
        """A sample revision of a sample message: its number, action and editor, its text by default the message's."""
        if not isinstance(fields, dict) or not {"message", "number", "action"} <= set(fields):
            raise _Problem(f"revision {name!r} needs a message, a number and an action")
        message = self.named(fields["message"], name)
        try:
            action = Action(fields["action"])
        except ValueError:
            raise _Problem(f"revision {name!r}: action must be one of {', '.join(Action)}") from None
        text = generated_text(fields.get("text", message.text))
        editor = fields.get("editor")
        return Revision(message.id, int(fields["number"]), text, message.updated_at, editor, action)

    def state(self, fields) -> State:
        if not isinstance(fields, dict) or not STATE_NAME.fullmatch(str(fields.get("name", ""))):
            raise _Problem(f"each state needs a name of lower-case letters, digits and '-': {fields!r}")
        name, template = fields["name"], fields.get("template")
        if name == "index":
            raise _Problem("no state may be named 'index': the export writes the list of states as index.html")
        if template not in PAGES:
            raise _Problem(
                f"state {name!r} names template {template!r}, which the styleguide cannot render "
                f"(it renders {', '.join(sorted(PAGES))})"
            )
        if not isinstance(fields.get("title"), str) or not isinstance(fields.get("status"), int):
            raise _Problem(f"state {name!r} needs a title and the status the real page answers")
        unknown = set(fields) - COMMON_FIELDS - PAGES[template].fields
        if unknown:
            raise _Problem(
                f"state {name!r} has {', '.join(sorted(unknown))}, which {template} states do not "
                f"use (they use {', '.join(sorted(PAGES[template].fields)) or 'nothing more'})"
            )
        flashes = tuple((str(category), str(text)) for category, text in fields.get("flashes") or [])
        data = {
            field: self.resolve(field, value, name) for field, value in fields.items() if field not in COMMON_FIELDS
        }
        return State(
            name, fields["title"], template, fields["status"], data, flashes, bool(fields.get("static_export"))
        )

    def macro(self, fields, states: Mapping[str, State]) -> Macro:
        template, name = fields.get("template"), fields.get("macro")
        try:
            defined = getattr(self.templates.get_template(template).module, name, None)
        except (TemplateNotFound, TypeError):
            defined = None
        if defined is None:
            raise _Problem(f"macro {name!r} is not defined in template {template!r}")
        calls = []
        for call in fields.get("states") or []:
            arguments = {
                argument: self.resolve(argument, value, name) for argument, value in call.items() if argument != "title"
            }
            if unknown := set(arguments) - set(defined.arguments):
                raise _Problem(
                    f"macro {name!r} takes no argument {', '.join(sorted(unknown))} "
                    f"(it takes {', '.join(defined.arguments)})"
                )
            reference = arguments.get(FORM_FIELD_ARGUMENT)
            if reference is not None:
                state_name, _, field = str(reference).partition(".")
                state = states.get(state_name)
                if state is None or PAGES[state.template].form is None or not field:
                    raise _Problem(
                        f"macro {name!r}: {FORM_FIELD_ARGUMENT} {reference!r} must name a form "
                        f"state and a field, like new-key-required.key"
                    )
            calls.append(MacroState(str(call.get("title", name)), arguments))
        return Macro(template, name, tuple(calls), fields.get("list_class"))

    def resolve(self, field: str, value, where: str):
        """Sample-message names made into their Messages, generated texts expanded, at any depth."""
        if field in MESSAGE_FIELDS and value is not None:
            return self.named(value, where)
        if field == MESSAGE_LIST_FIELD:
            return [self.named(name, where) for name in value or []]
        if field in REVISION_FIELDS and value is not None:
            return self.named_revision(value, where)
        if field == REVISION_LIST_FIELD:
            return [self.named_revision(name, where) for name in value or []]
        if field == TRASHED_FIELD:
            return (
                [self.trashed(item, where) for item in value] if isinstance(value, list) else self.trashed(value, where)
            )
        if field == DIFF_FIELD:
            pair = value if isinstance(value, dict) else {}
            older, newer = (self.named_revision(pair.get(side), where) for side in ("older", "newer"))
            return diff_texts(older.text, newer.text)
        if isinstance(value, dict) and set(value) != {"repeat", "length"}:
            return {inner: self.resolve(inner, item, where) for inner, item in value.items()}
        return generated_text(value)

    def trashed(self, fields, where: str) -> TrashedMessage:
        """A sample deleted message: the message as deleted, who deleted it, how many revisions it keeps."""
        if not isinstance(fields, dict) or not {"message", "by", "revisions"} <= set(fields):
            raise _Problem(f"{where!r}: each deleted message needs a message, who deleted it (by) and its revisions")
        message = self.named(fields["message"], where)
        return TrashedMessage(message, message.updated_at, str(fields["by"]), int(fields["revisions"]))

    def named_revision(self, name, where: str) -> Revision:
        if name not in self.revisions:
            raise _Problem(f"{where!r} names revision {name!r}, which `revisions` does not define")
        return self.revisions[name]

    def named(self, name, where: str) -> Message:
        if name not in self.messages:
            raise _Problem(f"{where!r} names message {name!r}, which `messages` does not define")
        return self.messages[name]


def generated_text(value):
    """``{repeat: "...", length: N}`` as the repeated text cut to N characters; any other value as it is."""
    if isinstance(value, dict) and set(value) == {"repeat", "length"}:
        unit, length = str(value["repeat"]), int(value["length"])
        return (unit * (length // len(unit) + 1))[:length]
    return value


def _utc(moment, name: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise _Problem(f"message {name!r}: times need a zone, like 2026-03-14 09:26:00Z")
    return moment.astimezone(UTC)
