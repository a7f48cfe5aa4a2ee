"""Where a line on a blank line belongs: the indentations it may take, from the code around it.

Formatters strip the whitespace of blank lines, so a user who clicks into a blank line inside a
function has the cursor at column 0. The column says nothing then; the code around the line does:

- below a block header (`if x:`, `{`), the line is the header's body: one indentation deeper, or
  the body's own when one follows;
- between two statements of one block, it is a statement of that block (and most often one line:
  the gap is between lines that are already written);
- before a closing bracket, it is inside the block the bracket closes;
- where the code below is less indented (or there is none), the block above may go on, or any
  block that encloses it, down to the code below (Python, where a block ends by dedent). Module
  level is one of them only where a blank line already separates the cursor from the code above
  or the code above is at module level: right under a function's last line is that function.

Pure: the text and the language only.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

from hushcode.syntax.languages import LanguageInfo

_OPENERS = ("(", "[", "{")
_CLOSERS = (")", "]", "}")
_SCAN_LINES = 400  # how far up the enclosing blocks are looked for


@dataclass(frozen=True)
class Placement:
    """The indentations a line on the cursor's blank line may take, the likeliest first."""

    indents: tuple[str, ...]
    between: bool = False  # between two statements of one block


def width(indent: str, tab_size: int = 4) -> int:
    """Columns of an indentation (a tab counts `tab_size`)."""
    return sum(tab_size if ch == "\t" else 1 for ch in indent)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _code_lines(lines: list[str], language: LanguageInfo | None) -> list[int]:
    """Rows that hold code (not blank, not only a comment)."""
    marker = language.line_comment if language is not None else None
    return [i for i, line in enumerate(lines)
            if line.strip() and not (marker and line.lstrip().startswith(marker))]


def _opens(line: str, language: LanguageInfo | None) -> bool:
    code = line.rstrip()
    header = language.header_end if language is not None else None
    return code.endswith(_OPENERS) or bool(header and code.endswith(header))


def _unit(lines: list[str], near: str, language: LanguageInfo | None) -> str:
    """One level of indentation in this file: a tab where the code near (or most of the file) is
    tab-indented, else the step the file takes most often from a block header to its body (4 when
    it cannot tell)."""
    tabs = sum(1 for line in lines if line.startswith("\t"))
    if near.startswith("\t") or tabs > sum(1 for line in lines if line.startswith(" ")):
        return "\t"
    steps: Counter[int] = Counter()
    code = [line for line in lines if line.strip()]
    for header, body in itertools.pairwise(code):
        step = len(_indent(body)) - len(_indent(header))
        if step > 0 and _opens(header, language) and not _indent(body).startswith("\t"):
            steps[step] += 1
    return " " * (steps.most_common(1)[0][0] if steps else 4)


def _enclosing(lines: list[str], row: int, indent: str, floor: int, language: LanguageInfo | None) -> list[str]:
    """The indentations of the block headers that enclose `row` (whose indentation is `indent`),
    innermost first, not below `floor` columns: a statement may follow each of their blocks there."""
    found: list[str] = []
    current = width(indent)
    for i in range(row - 1, max(row - _SCAN_LINES, -1), -1):
        line = lines[i]
        if not line.strip():
            continue
        level = width(_indent(line))
        if level < current and _opens(line, language):
            if level < floor:
                break
            found.append(_indent(line))
            current = level
        if current <= floor:
            break
    return found


def placement(text: str, line_start: int, line_end: int, language: LanguageInfo | None) -> Placement | None:
    """For the blank line [line_start, line_end): the indentations a line there may take; None
    where no code surrounds it."""
    lines = text.split("\n")
    row = text.count("\n", 0, line_start)
    code = _code_lines(lines, language)
    above = [i for i in code if i < row]
    below = [i for i in code if i > row]
    if not above and not below:
        return None
    p = lines[above[-1]] if above else None
    n = lines[below[0]] if below else None
    if p is None:
        return Placement((_indent(n or ""),))
    ip = _indent(p)
    iN = _indent(n) if n is not None else None
    if _opens(p, language):  # the header's body: the one below, or one level deeper
        deeper = iN is not None and width(iN) > width(ip)
        return Placement((iN if deeper and iN is not None else ip + _unit(lines, ip, language),))
    if n is not None and iN is not None and n.strip().startswith(_CLOSERS):  # inside the block it closes
        return Placement((ip,) if width(ip) > width(iN) else (iN + _unit(lines, iN, language),))
    if iN is not None and width(iN) >= width(ip):
        return Placement((ip,), between=width(iN) == width(ip))
    if language is None or not language.indentation_scoped:
        return Placement((ip,))  # a block ends with a closing bracket, not by a dedent
    # the end of the block above: it may go on, or any block enclosing it, down to the code below
    direct = above[-1] == row - 1  # right under the code above, no blank line between
    floor = width(iN) if iN is not None else (1 if direct and ip else 0)
    levels = [ip, *_enclosing(lines, above[-1], ip, floor, language)]
    if iN is not None and all(width(level) != width(iN) for level in levels):
        levels.append(iN)
    return Placement(tuple(dict.fromkeys(levels)))
