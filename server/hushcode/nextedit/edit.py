"""The model's rewrite of the region, turned into the smallest edits of the document, and the
filters that drop a useless or harmful answer.

1. The rewrite ends like the region: the model often stops before the region's last line break
   (the suffix starts on the next line), which would join two lines; it is given back.
2. difflib matches the region's lines with the rewrite's; each run of lines that differ is one
   edit (one per line when both sides have as many lines), trimmed of the characters its two
   sides share at the start and the end, so an edit is `(start, end, text)` in offsets of the
   document, always inside the region.
3. Filters, in order: no edit (`empty`), a rewrite that deletes a region with code in it (`erased`:
   the model wrote nothing, not a deletion), an edit that only gives back the text the last hunk
   replaced (`undo`: the user just made that change), an edit that makes tree-sitter find more
   ERROR or MISSING nodes in the file than before (`parse`), and anything outside the region
   (`outside`, defensive: step 2 cannot make one).

Pure: texts in, edits out (tree-sitter parses in memory).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.documents.edits import split_lines
from hushcode.documents.history import Hunk
from hushcode.syntax.languages import LanguageInfo, error_count, parse

from .region import Region


@dataclass(frozen=True)
class Edit:
    """Replace the document's code points `start`..`end` with `text`."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Proposal:
    """The edits to suggest (none when a filter said no), and which filter said it."""

    edits: tuple[Edit, ...]
    dropped: str | None = None  # "empty", "erased", "undo", "parse" or "outside"


REJOIN_LINES = 2  # the lines after the region whose rewrite ends the region's (non-blank ones)
MAX_REJOIN_LINES = 4


def rejoin_text(text: str, region: Region) -> str | None:
    """The text that tells the rewrite has run past the region: the line break that ends the
    region's last line and the lines after the region (REJOIN_LINES of them with code, more while
    the region itself holds that text), or None when there is nothing after the region or no
    such text is unique. A model that writes the region and goes on copying the file (the 0.5B
    often does, instead of ending the fill) is stopped there, and its rewrite kept."""
    after = split_lines(text[region.end:])
    original = "\n" + text[region.start:region.end]
    code = 0
    for count, line in enumerate(after[:MAX_REJOIN_LINES], start=1):
        code += bool(line.strip())
        if code < REJOIN_LINES and count < len(after[:MAX_REJOIN_LINES]):
            continue
        stop = "\n" + "".join(after[:count]).rstrip("\r\n")
        if stop.strip() and stop not in original:
            return stop
    return None


FENCE = "\n```"  # an instruct model closes its code as in a chat answer: the rewrite ends there


def ends_of(text: str, region: Region) -> tuple[str, ...]:
    """The texts that end a rewrite of `region` (each starts with a line break): where it rejoins
    the file after the region, and a Markdown fence when the region holds none."""
    rejoin = rejoin_text(text, region)
    fence = () if "```" in text[region.start:region.end] else (FENCE,)
    return ((rejoin,) if rejoin else ()) + fence


def cut_at(generated: str, ends: tuple[str, ...]) -> str:
    """The rewrite up to the first of `ends` it holds (the line break before it kept)."""
    found = [at for at in (generated.find(end) for end in ends) if at >= 0]
    return generated[:min(found) + 1] if found else generated


def _ending(text: str) -> str:
    for ending in ("\r\n", "\n", "\r"):
        if text.endswith(ending):
            return ending
    return ""


def restore_ending(original: str, rewrite: str) -> str:
    """The rewrite ending in the region's last line break when the region does and it does not."""
    ending = _ending(original)
    return rewrite + ending if ending and not _ending(rewrite) else rewrite


def _trimmed(old: str, new: str, at: int) -> Edit | None:
    """`old` (at offset `at`) -> `new` without the characters both start and end with."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    if head == len(old) == len(new):
        return None
    return Edit(at + head, at + len(old) - tail, new[head:len(new) - tail])


def smallest_edits(original: str, rewrite: str, base: int) -> list[Edit]:
    """The edits that turn `original` (which starts at offset `base`) into `rewrite`: one per run
    of differing lines (difflib), each trimmed to the characters that change."""
    old_lines, new_lines = split_lines(original), split_lines(rewrite)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        # as many lines on both sides: line by line (a rename's uses on adjacent lines stay apart)
        runs = [(i, i + 1, j, j + 1) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)] \
            if i2 - i1 == j2 - j1 else [(i1, i2, j1, j2)]
        for a1, a2, b1, b2 in runs:
            edit = _trimmed("".join(old_lines[a1:a2]), "".join(new_lines[b1:b2]), base + starts[a1])
            if edit is not None:
                edits.append(edit)
    return edits


def apply(text: str, edits: Sequence[Edit]) -> str:
    """`text` with `edits` (in order, not overlapping) made."""
    out, at = [], 0
    for edit in edits:
        out += [text[at:edit.start], edit.text]
        at = edit.end
    return "".join(out) + text[at:]


def undoes(text: str, edit: Edit, last: Hunk) -> bool:
    """Whether `edit` gives back exactly the document as it was before the `last` hunk."""
    if text[last.start:last.end] != last.new or edit.end < last.start or edit.start > last.end:
        return False
    return apply(text, [edit]) == text[:last.start] + last.old + text[last.end:]


def propose(text: str, region: Region, rewrite: str, last: Hunk | None, language: LanguageInfo | None) -> Proposal:
    """The edits of the document that the model's `rewrite` of `region` makes, filtered."""
    original = text[region.start:region.end]
    rewrite = restore_ending(original, rewrite)
    if not rewrite.strip() and original.strip():
        return Proposal((), "erased")
    edits = smallest_edits(original, rewrite, region.start)
    if last is not None:
        edits = [e for e in edits if not undoes(text, e, last)]
        if not edits and smallest_edits(original, rewrite, region.start):
            return Proposal((), "undo")
    if not edits:
        return Proposal((), "empty")
    if any(e.start < region.start or e.end > region.end for e in edits):
        return Proposal((), "outside")
    if language is not None and error_count(parse(language, apply(text, edits))) > error_count(parse(language, text)):
        return Proposal((), "parse")
    return Proposal(tuple(edits))
