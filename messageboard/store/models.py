"""What the store hands out and raises: messages, their revisions and revision tokens, and the store's refusals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from messageboard.core import stored_number

DEFAULT_KEY = "default"
DEFAULT_TEXT = "Hello to the World of Flask!"
# The name revisions record where anonymous editing made the change.
ANONYMOUS = "anonymous"


class Action(StrEnum):
    """What a revision records: how the message came to hold its text."""

    ADD = "add"
    EDIT = "edit"
    RESTORE = "restore"
    DELETE = "delete"
    UNDELETE = "undelete"
    # Given by the first upgrade to each message it found, whose earlier versions nobody kept.
    IMPORT = "import"


@dataclass(frozen=True)
class Message:
    """One stored message."""

    id: int
    key: str
    text: str
    created_at: datetime
    updated_at: datetime
    version: int

    @property
    def revision(self) -> str:
        """A token naming this version of this message; a key deleted and added again gets new ones."""
        return revision_token(self.id, self.version)


@dataclass(frozen=True)
class Revision:
    """One version of a message, as a change left it; ``editor_name`` is None where nobody recorded it."""

    message_id: int
    number: int
    text: str
    created_at: datetime
    editor_name: str | None
    action: Action


@dataclass(frozen=True)
class TrashedMessage:
    """A deleted message as the delete left it (its version the delete's revision), who deleted it
    and when, and how many revisions it keeps."""

    message: Message
    deleted_at: datetime
    deleted_by: str
    revisions: int


def revision_token(message_id: int, version: int) -> str:
    """The revision token of a message's id and version, as edit forms carry it."""
    return f"{message_id}.{version}"


def parse_revision(token: str) -> tuple[int, int] | None:
    """Return the (id, version) a revision token names, or None if it is not one a database could hold."""
    message_id, dot, version = (token or "").partition(".")
    message_id, version = stored_number(message_id), stored_number(version)
    if not dot or message_id is None or version is None:
        return None
    return message_id, version


class KeyTaken(Exception):
    """A message with this key already exists."""


class MessageNotFound(LookupError):
    """No message has this key."""


class RevisionNotFound(LookupError):
    """The message has no revision of this number."""

    def __init__(self, number: int):
        super().__init__(f"no revision {number}")
        self.number = number


class TrashedMessageNotFound(LookupError):
    """The trash holds no message of this id (it was restored or purged, or never deleted)."""

    def __init__(self, message_id: int):
        super().__init__(f"no deleted message {message_id}")
        self.message_id = message_id


class PageNotFound(LookupError):
    """The requested page is past the last page."""


class VersionConflict(Exception):
    """The message changed (or was deleted) since the version an edit was based on."""

    def __init__(self, current: Message | None):
        super().__init__("the message changed since it was read")
        self.current = current
