"""The difference between two texts (two revisions of a message, an edit conflict's two sides), word
by word, as lines with the words inserted and deleted marked within them.

RapidFuzz's Indel opcodes (a longest common subsequence, computed bit-parallel in C++) align the
texts' words, each mapped to one character: the same texts always give the same difference, and its
cost is bounded by the texts' lengths. Myers' algorithm in Python (diff-match-patch's) needs a time
limit to stay bounded, so a busy machine would show a coarser difference; difflib's matcher has no
limit, and slows down sharply on texts of many repeated tokens. diff-match-patch's semantic cleanup
then turns runs of small changes into readable ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch
from rapidfuzz.distance import Indel

from messageboard.core import DIFF_CHANGES_MAX

Kind = Literal["same", "inserted", "deleted"]
_KINDS: dict[int, Kind] = {
    diff_match_patch.DIFF_EQUAL: "same",
    diff_match_patch.DIFF_INSERT: "inserted",
    diff_match_patch.DIFF_DELETE: "deleted",
}
# Words and punctuation marks, each with the spaces after it, spaces at a line's start, and line
# breaks: a changed word is marked alone, and the comparison has half the tokens it would if spaces
# were tokens of their own.
_TOKENS = re.compile(r"\w+[^\S\n]*|[^\w\s][^\S\n]*|[^\S\n]+|\n")
# Each distinct token becomes one character of Unicode's supplementary private use area A, which
# holds more than twice as many as two texts of TEXT_MAX_LENGTH can have.
_FIRST_CODE = 0xF0000


@dataclass(frozen=True)
class Segment:
    """A run of text in both texts ("same"), only in the newer ("inserted") or only in the older ("deleted")."""

    kind: Kind
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One line of the difference, as segments; ``kind`` is "same", "inserted" or "deleted" when all its
    segments are of that kind, else "changed"."""

    segments: tuple[Segment, ...]

    @property
    def kind(self) -> str:
        """What happened to the line as a whole."""
        kinds = {segment.kind for segment in self.segments}
        return kinds.pop() if len(kinds) == 1 else ("same" if not kinds else "changed")


def diff_texts(older: str, newer: str) -> list[DiffLine]:
    """The difference of ``newer`` from ``older``, line by line, words inserted and deleted marked."""
    codes: dict[str, str] = {}
    words: list[str] = []

    def encoded(text: str) -> str:
        characters = []
        for token in _TOKENS.findall(text):
            if token not in codes:
                codes[token] = chr(_FIRST_CODE + len(words))
                words.append(token)
            characters.append(codes[token])
        return "".join(characters)

    changes = _changes(encoded(older), encoded(newer))
    if len(changes) <= DIFF_CHANGES_MAX:
        diff_match_patch().diff_cleanupSemantic(changes)
    else:
        changes = _middle_replaced(changes)
    segments = [
        Segment(_KINDS[operation], "".join(words[ord(code) - _FIRST_CODE] for code in characters))
        for operation, characters in changes
    ]
    return _lines(_spaces_unmarked(segments))


def _changes(older: str, newer: str) -> list[tuple[int, str]]:
    """The alignment of two strings as diff-match-patch's (operation, text) pairs, each run of
    changes between shared text as its deletion, then its insertion."""
    changes: list[tuple[int, str]] = []
    deleted, inserted = [], []
    for opcode in [*Indel.opcodes(older, newer), None]:
        if opcode is not None and opcode.tag != "equal":
            deleted.append(older[opcode.src_start : opcode.src_end])
            inserted.append(newer[opcode.dest_start : opcode.dest_end])
            continue
        run = ((diff_match_patch.DIFF_DELETE, "".join(deleted)), (diff_match_patch.DIFF_INSERT, "".join(inserted)))
        changes += [change for change in run if change[1]]
        deleted, inserted = [], []
        if opcode is not None:
            changes.append((diff_match_patch.DIFF_EQUAL, older[opcode.src_start : opcode.src_end]))
    return changes


def _middle_replaced(changes: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The changes as the texts' shared start and end, with everything between them deleted then
    inserted: texts too different to mark word by word, as the semantic cleanup would mostly show them."""
    start = changes[:1] if changes[0][0] == diff_match_patch.DIFF_EQUAL else []
    end = changes[-1:] if changes[-1][0] == diff_match_patch.DIFF_EQUAL else []
    middle = changes[len(start) : len(changes) - len(end)]
    replaced = [
        (kind, "".join(text for operation, text in middle if operation in (kind, diff_match_patch.DIFF_EQUAL)))
        for kind in (diff_match_patch.DIFF_DELETE, diff_match_patch.DIFF_INSERT)
    ]
    return start + [change for change in replaced if change[1]] + end


def _spaces_unmarked(segments: list[Segment]) -> list[Segment]:
    """Each run of changes with the spaces its words all end with moved out of it, as unchanged text:
    "quick " replaced by "slow " marks "quick" and "slow", not the space after them."""
    tidy: list[Segment] = []
    run: list[Segment] = []
    for segment in [*segments, Segment("same", "")]:
        if segment.kind != "same":
            run.append(segment)
            continue
        if run:
            spaces = _trailing_spaces(run[0].text)
            if spaces and all(_trailing_spaces(changed.text) == spaces for changed in run):
                run = [Segment(changed.kind, changed.text[: -len(spaces)]) for changed in run]
                run.append(Segment("same", spaces))
            tidy += [changed for changed in run if changed.text]
            run = []
        if segment.text:
            tidy.append(segment)
    return tidy


def _trailing_spaces(text: str) -> str:
    """The spaces and tabs ``text`` ends with."""
    return text[len(text.rstrip(" \t")) :]


def _lines(segments) -> list[DiffLine]:
    """The segments cut into lines at each line break, whichever text it belongs to."""
    lines: list[DiffLine] = []
    current: list[Segment] = []
    for segment in segments:
        pieces = segment.text.split("\n")
        for number, piece in enumerate(pieces):
            if number:  # a line break ended the line before this piece
                lines.append(DiffLine(tuple(current) or (Segment(segment.kind, ""),)))
                current = []
            if piece:
                current.append(Segment(segment.kind, piece))
    if current or not lines:
        lines.append(DiffLine(tuple(current)))
    return lines
