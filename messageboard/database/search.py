"""The search condition every database can run: a case-insensitive substring of the key or the text."""

from __future__ import annotations

from sqlalchemy import or_

from messageboard.database.schema import messages


def substring_condition(query: str):
    """A WHERE clause matching messages whose key or text contains ``query`` in any case, by ILIKE."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(messages.c.key.ilike(pattern, escape="\\"), messages.c.text.ilike(pattern, escape="\\"))
