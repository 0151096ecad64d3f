"""How a state becomes a page: real objects (messages, a listing page, forms validated from the sample
input) handed to the same functions the views and error handlers render with."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import current_app, get_template_attribute
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateSyntaxError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import default_exceptions

from messageboard import store
from messageboard.assets import render_build_error
from messageboard.assets.tools import AssetBuildError
from messageboard.auth import pages as auth_pages
from messageboard.auth.forms import LoginForm
from messageboard.core import REVISIONS_PER_PAGE, TRASH_PER_PAGE
from messageboard.errors import MessageNotFound, render_template_error
from messageboard.history import pages as history_pages
from messageboard.history.forms import RestoreForm
from messageboard.messages import pages
from messageboard.messages.forms import DeleteMessageForm, EditMessageForm, NewMessageForm
from messageboard.trash import pages as trash_pages
from messageboard.trash.forms import UndeleteForm

# The macro argument that names a form state's field ("new-key-required.key") instead of a value.
FORM_FIELD_ARGUMENT = "form_field"
# State pages are previews: their forms carry no CSRF token, so submitting one changes nothing.
PREVIEW_FORM = {"meta": {"csrf": False}}


@dataclass(frozen=True)
class PageTemplate:
    """How to render a page template's states, the state fields it reads, and its form, if any."""

    render: Callable[[Mapping], object]
    fields: frozenset[str]
    form: Callable[[Mapping], object] | None = None


PAGES: dict[str, PageTemplate] = {}


def page(template: str, *fields: str, form: Callable | None = None):
    """Register the function rendering ``template``'s states from the state fields named."""

    def register(render):
        PAGES[template] = PageTemplate(render, frozenset(fields), form)
        return render

    return register


def _submitted(form_class, data: Mapping, prefix: str):
    """A form as the view holds it: empty before a submission, else filled from ``form`` and validated.

    ``prefix`` starts its fields' names and ids, so that several on one page keep their ids apart.
    """
    if "form" not in data:
        return form_class(formdata=None, prefix=prefix, **PREVIEW_FORM)
    named = (f"{prefix}-{name}" if prefix else name for name in data["form"])
    form = form_class(
        formdata=MultiDict(zip(named, map(str, data["form"].values()), strict=True)), prefix=prefix, **PREVIEW_FORM
    )
    form.validate()
    return form


def new_form(data: Mapping, prefix: str = "") -> NewMessageForm:
    """The add form; ``key_taken``: valid, but the store refused the key."""
    form = _submitted(NewMessageForm, data, prefix)
    if data.get("key_taken"):
        form.reject_taken_key()
    return form


def edit_form(data: Mapping, prefix: str = "") -> EditMessageForm:
    """The edit form, opened on ``message``, then submitted with ``form`` (its revision by default)."""
    message = data["message"]
    if "form" in data:
        data = {**data, "form": {"revision": message.revision, **data["form"]}}
    form = _submitted(EditMessageForm, data, prefix)
    if "form" not in data:
        form.start_from(message)
    return form


@page("messages/index.html", "messages", "fill", "page", "pages", "query", "sort", "greeting")
def list_state(data: Mapping):
    """``messages`` on one page; or ``fill`` (a key and text with {n}) a full page ``page`` of ``pages``."""
    per_page = current_app.config["MESSAGES_PER_PAGE"]
    number, rows = data.get("page", 1), data.get("messages", [])
    total = len(rows)
    if "fill" in data:
        first = (number - 1) * per_page + 1
        sample = data["fill"]
        rows = [
            store.Message(n, sample["key"].format(n=n), sample["text"].format(n=n), sample["time"], sample["time"], 1)
            for n in range(first, first + per_page)
        ]
        total = data["pages"] * per_page
    return pages.list_page(
        store.Page(rows, number, per_page, total),
        query=data.get("query", ""),
        sort=data.get("sort", "key"),
        greeting=data.get("greeting"),
    )


@page("messages/show.html", "message", "last_change")
def show_state(data: Mapping):
    """One message's page; ``last_change``: the revision saying who changed it last."""
    return pages.message_page(data["message"], data.get("last_change"))


@page("messages/new.html", "form", "key_taken", form=new_form)
def new_state(data: Mapping):
    """The add form, before or after a submission."""
    return pages.new_page(new_form(data))


@page("messages/edit.html", "message", "form", "conflict", form=edit_form)
def edit_state(data: Mapping):
    """The edit form; ``conflict: {current: ...}`` is the message as someone else saved it (null: deleted)."""
    conflict = store.VersionConflict(data["conflict"]["current"]) if "conflict" in data else None
    return pages.edit_page(edit_form(data), data["message"].key, conflict)


@page("history/history.html", "message", "revisions", "count", "page")
def history_state(data: Mapping):
    """A message's ``revisions``; or ``count`` made from the message (editors in turn), page ``page`` of them."""
    message, number = data["message"], data.get("page", 1)
    rows = data.get("revisions", [])
    total = len(rows)
    if "count" in data:
        total = data["count"]
        newest = total - (number - 1) * REVISIONS_PER_PAGE
        editors = ("ada", "grace", store.ANONYMOUS)
        rows = [
            store.Revision(
                message.id,
                shown,
                message.text,
                message.updated_at,
                editors[shown % len(editors)],
                store.Action.ADD if shown == 1 else store.Action.EDIT,
            )
            for shown in range(newest, max(newest - REVISIONS_PER_PAGE, 0), -1)
        ]
    return history_pages.history_page(message, store.Page(rows, number, REVISIONS_PER_PAGE, total))


@page("history/revision.html", "message", "revision", "conflict")
def revision_state(data: Mapping):
    """One revision of the message; ``conflict``: the 409 of a restore that met a newer save."""
    form = RestoreForm(formdata=None, **PREVIEW_FORM)
    return history_pages.revision_page(data["message"], data["revision"], form, 409 if data.get("conflict") else 200)


@page("history/diff.html", "message", "older", "newer")
def diff_state(data: Mapping):
    """The difference between two revisions of the message."""
    return history_pages.diff_page(data["message"], data["older"], data["newer"])


@page("trash/trash.html", "trashed")
def trash_state(data: Mapping):
    """The trash holding the ``trashed`` messages (none: the empty trash)."""
    rows = data.get("trashed", [])
    forms = {trashed.message.id: UndeleteForm.opened_on(trashed, **PREVIEW_FORM) for trashed in rows}
    return trash_pages.trash_page(store.Page(rows, 1, TRASH_PER_PAGE, len(rows)), forms)


@page("trash/trashed.html", "trashed", "suggested_key")
def trashed_state(data: Mapping):
    """A deleted message and its restore form; ``suggested_key``: its key is taken, this one is offered (409)."""
    trashed = data["trashed"]
    form = UndeleteForm.opened_on(trashed, **PREVIEW_FORM)
    if "suggested_key" not in data:
        return trash_pages.trashed_page(trashed, form)
    form.offer_other_key(data["suggested_key"])
    return trash_pages.trashed_page(trashed, form, 409)


def login_form(data: Mapping, prefix: str = "") -> LoginForm:
    """The login form; ``wrong_password``: complete, but the name and password did not match."""
    form = _submitted(LoginForm, data, prefix)
    if data.get("wrong_password"):
        form.reject_credentials()
    return form


@page("auth/login.html", "form", "wrong_password", form=login_form)
def login_state(data: Mapping):
    """The login form, before or after a submission."""
    return auth_pages.login_page(login_form(data))


@page("messages/delete.html", "message")
def delete_state(data: Mapping):
    """The delete confirmation."""
    return pages.delete_page(DeleteMessageForm(formdata=None, **PREVIEW_FORM), data["message"])


@page("errors/error.html", "code", "description", "csrf", "missing_key")
def error_state(data: Mapping):
    """The error page for HTTP status ``code``, with the ``description`` the code raising it gives, or
    the 404 for a ``missing_key``."""
    if data.get("missing_key"):
        return current_app.handle_http_exception(MessageNotFound(data["missing_key"]))
    error_class = CSRFError if data.get("csrf") else default_exceptions[data["code"]]
    return current_app.handle_http_exception(error_class(description=data.get("description")))


@page("errors/asset_build.html", "problem")
def asset_build_state(data: Mapping):
    """Development's page for css or js that did not build."""
    return render_build_error(AssetBuildError(data["problem"]))


@page("errors/template_error.html", "problem", "file", "line", "source")
def template_syntax_state(data: Mapping):
    """Development's page for a template that does not compile."""
    error = TemplateSyntaxError(data["problem"], data["line"], filename=data["file"])
    error.source = data["source"]
    return render_template_error(error)


def form_field(reference: str, states: Mapping, prefix: str):
    """The field a ``state.field`` reference names, on that state's form."""
    state_name, _, field = reference.partition(".")
    state = states[state_name]
    return getattr(PAGES[state.template].form(state.data, prefix), field)


def render_macro(macro, number: int, states: Mapping):
    """A macro called with the arguments of its state ``number`` (which also keeps form ids apart)."""
    arguments = dict(macro.states[number].arguments)
    if FORM_FIELD_ARGUMENT in arguments:
        arguments[FORM_FIELD_ARGUMENT] = form_field(
            arguments[FORM_FIELD_ARGUMENT], states, prefix=f"{macro.name}-{number + 1}"
        )
    return get_template_attribute(macro.template, macro.name)(**arguments)
