"""The rules for a message's key and text, shared by the forms and the plain-text routes."""

import re

from messageboard.core import KEY_MAX_LENGTH, TEXT_MAX_LENGTH

KEY_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
# KEY_PATTERN in words, for the form's hint and the error naming what a key may not hold.
KEY_CHARACTERS = "a-z, A-Z, 0-9, '-', '_' and '.'"
# Path segments the site's own routes use, and the dot segments browsers rewrite in URLs.
RESERVED_KEYS = frozenset({"new", ".", ".."})
# Unicode's control characters (category Cc) other than tab (09) and line feed (0A).
FORBIDDEN_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class InvalidMessage(ValueError):
    """The key or text breaks a rule; the message is a sentence naming the problem."""


def check_key(key: str) -> str:
    """Return ``key`` if it is a valid key, else raise InvalidMessage saying why."""
    if not key:
        raise InvalidMessage("Key is required.")
    check_key_length(key)
    if not KEY_PATTERN.fullmatch(key):
        refused = sorted({character for character in key if not KEY_PATTERN.fullmatch(character)})
        shown = ", ".join(repr(character) for character in refused)
        raise InvalidMessage(f"Key may use only {KEY_CHARACTERS} (no accents or spaces), not {shown}.")
    if key in RESERVED_KEYS:
        raise InvalidMessage(f"Key {key!r} is reserved by the site; choose another.")
    return key


def check_key_length(key: str) -> str:
    """Return ``key`` unless it is longer than any key can be, else raise InvalidMessage naming the limit."""
    if len(key) > KEY_MAX_LENGTH:
        raise InvalidMessage(f"Key is {len(key)} characters long; the limit is {KEY_MAX_LENGTH}.")
    return key


def normalize_text(text: str) -> str:
    """Return ``text`` with browser line endings (CRLF, CR) made LF and outer white space trimmed."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def check_text(text: str) -> str:
    """Return the normalized ``text`` if valid, else raise InvalidMessage saying why."""
    text = normalize_text(text)
    if not text:
        raise InvalidMessage("Text is required.")
    if len(text) > TEXT_MAX_LENGTH:
        raise InvalidMessage(f"Text is {len(text):,} characters long; the limit is {TEXT_MAX_LENGTH:,}.")
    if found := FORBIDDEN_CONTROL_CHARACTER.search(text):
        raise InvalidMessage(
            f"Text contains the control character U+{ord(found.group()):04X} at "
            f"position {found.start() + 1}; only line breaks and tabs are allowed."
        )
    return text
