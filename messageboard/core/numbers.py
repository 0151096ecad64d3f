"""The one rule for a whole number taken from a request: a page number, an id, a version, an event number."""

from messageboard.core.limits import INTEGER_MAX

# What whole_number() reads any larger number as: more than any page, id or version can be.
BEYOND_INTEGER_MAX = INTEGER_MAX + 1


def whole_number(text: str | None) -> int | None:
    """The number ``text`` writes in ASCII digits alone, else None; above INTEGER_MAX it reads as BEYOND_INTEGER_MAX.

    Not "²" or "٣", which str.isdigit() accepts and int() refuses or reads; not " 5" or "+5", which
    int() accepts; and never int() of thousands of digits, which raises ValueError (a 500).
    """
    if not text or not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(INTEGER_MAX)):
        return BEYOND_INTEGER_MAX
    return min(int(digits), BEYOND_INTEGER_MAX)


def stored_number(text: str | None) -> int | None:
    """The number ``text`` writes, as whole_number() reads it, if a database column can hold it; else None."""
    number = whole_number(text)
    return number if number is not None and number <= INTEGER_MAX else None
