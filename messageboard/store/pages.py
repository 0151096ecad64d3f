"""A listing split into pages, and the page numbers a page links to."""

from __future__ import annotations

import math
from dataclasses import dataclass

from messageboard.store.models import Message, Revision


def page_count(total: int, per_page: int) -> int:
    """How many pages a listing of ``total`` messages has at ``per_page`` a page; an empty one still has page 1."""
    return max(1, math.ceil(total / per_page))


@dataclass(frozen=True)
class Page:
    """One page of a listing (of messages, or of a message's revisions), with what page links need."""

    items: list[Message] | list[Revision]
    number: int
    per_page: int
    total: int
    # A search's: more messages match than it lists (those listed are the newest)...
    more: bool = False
    # ...or it stopped before the oldest messages, and this is the oldest one it looked at.
    searched_back_to: Message | None = None

    @property
    def pages(self) -> int:
        """How many pages the listing has; an empty listing still has page 1."""
        return page_count(self.total, self.per_page)

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.number < self.pages

    def numbers_to_link(self, around: int = 2) -> list[int | None]:
        """Page numbers to show: first, last and ``around`` either side of this one; None for a gap."""
        shown = sorted({1, self.pages, *range(max(1, self.number - around), min(self.pages, self.number + around) + 1)})
        numbers: list[int | None] = []
        for number in shown:
            if numbers and number - numbers[-1] > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers
