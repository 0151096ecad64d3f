"""Messages in the database: what the pages read and write, whichever database holds them.

``from messageboard import store`` gives the whole public API: ``store.get_message(key)``,
``store.Message``, ``store.VersionConflict``...
"""

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
    "VersionConflict",
    "add_many",
    "add_message",
    "delete_message",
    "excerpts",
    "get_message",
    "list_messages",
    "listing",
    "page_count",
    "parse_revision",
    "put_message",
    "revision_token",
    "revision_tokens",
    "schema_state",
    "update_message",
    "upgrade_schema",
]
