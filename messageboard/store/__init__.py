"""Messages in the database: what the pages read and write, whichever database holds them.

``from messageboard import store`` gives the whole public API: ``store.get_message(key)``,
``store.Message``, ``store.VersionConflict``...
"""

from messageboard.store.models import (
    DEFAULT_KEY,
    DEFAULT_TEXT,
    KeyTaken,
    Message,
    MessageNotFound,
    PageNotFound,
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
    revisions,
    update_message,
)
from messageboard.store.setup import schema_state, upgrade_schema

__all__ = [
    "DEFAULT_KEY",
    "DEFAULT_TEXT",
    "SORT_ORDERS",
    "KeyTaken",
    "Message",
    "MessageNotFound",
    "Page",
    "PageNotFound",
    "VersionConflict",
    "add_many",
    "add_message",
    "upgrade_schema",
    "delete_message",
    "excerpts",
    "get_message",
    "list_messages",
    "listing",
    "page_count",
    "parse_revision",
    "put_message",
    "revision_token",
    "revisions",
    "schema_state",
    "update_message",
]
