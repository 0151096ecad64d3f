"""Messages in the database: what the pages read and write, whichever database holds them.

``from messageboard import store`` gives the whole public API: ``store.get_message(key)``,
``store.Message``, ``store.VersionConflict``...
"""

from messageboard.store.history import get_revisions, latest_revision, message_history, restore_revision
from messageboard.store.models import (
    ANONYMOUS,
    DEFAULT_KEY,
    DEFAULT_TEXT,
    Action,
    KeyTaken,
    Message,
    MessageNotFound,
    PageNotFound,
    Revision,
    RevisionNotFound,
    VersionConflict,
    parse_revision,
    revision_token,
)
from messageboard.store.pages import Page, page_count
from messageboard.store.queries import (
    SORT_ORDERS,
    add_many,
    add_message,
    delete_message,
    excerpts,
    get_message,
    list_messages,
    listing,
    put_message,
    revision_tokens,
    update_message,
)
from messageboard.store.setup import schema_state, upgrade_schema

__all__ = [
    "ANONYMOUS",
    "DEFAULT_KEY",
    "DEFAULT_TEXT",
    "SORT_ORDERS",
    "Action",
    "KeyTaken",
    "Message",
    "MessageNotFound",
    "Page",
    "PageNotFound",
    "Revision",
    "RevisionNotFound",
    "VersionConflict",
    "add_many",
    "add_message",
    "delete_message",
    "excerpts",
    "get_message",
    "get_revisions",
    "latest_revision",
    "list_messages",
    "listing",
    "message_history",
    "page_count",
    "parse_revision",
    "put_message",
    "restore_revision",
    "revision_token",
    "revision_tokens",
    "schema_state",
    "update_message",
    "upgrade_schema",
]
