"""What the simulated typist types: functions chosen from real files, and their keystrokes.

Pure: no I/O beyond reading the source files given, no server. A *typing task* is one function
whose body was removed from its file (signature and docstring kept, the rest of the file kept);
its *keystrokes* re-type the body exactly, as a person with an auto-indenting editor would:

- an Enter inserts ``"\\n"`` plus the next line's leading whitespace in one edit (the editor's
  auto-indentation; the typist never types indentation, and never needs to dedent by hand);
- every other character of the line is one keystroke;
- no auto-closed brackets or quotes: every character is typed literally.

The typist pauses after each Enter that starts a line with something to type.
"""

from __future__ import annotations

import ast
import random
import sysconfig
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STDLIB_FILES = ("textwrap.py", "shlex.py", "json/decoder.py", "fnmatch.py")


@dataclass(frozen=True)
class TypingTask:
    """One function body to re-type into its file."""

    path: str  # the source file
    name: str  # qualified name, e.g. "TextWrapper._wrap_chunks"
    source: str  # the whole original file
    body_start: int  # offset where typing starts: the end of the docstring's (or signature's) line
    body_end: int  # offset where the typed body ends (end of its last line, before the newline)

    @property
    def body(self) -> str:
        """The text the typist types; it starts with the first Enter."""
        return self.source[self.body_start : self.body_end]

    @property
    def document(self) -> str:
        """The file as opened: the body removed, everything else kept."""
        return self.source[: self.body_start] + self.source[self.body_end :]

    @property
    def lines(self) -> int:
        """Non-blank lines in the body."""
        return sum(1 for line in self.body.split("\n") if line.strip())


@dataclass(frozen=True)
class Keystroke:
    """One edit: `text` inserted at code point offset `offset` of the document being typed."""

    offset: int
    text: str
    enter: bool  # the first keystroke of a new line (an Enter plus its auto-indentation)
    pause: bool  # the typist pauses after this keystroke
    line_rest: str  # what the typist types next on the cursor's line, after this keystroke


def default_files() -> list[Path]:
    """The standard-library files used when none are given (those present on this machine)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return [stdlib / name for name in DEFAULT_STDLIB_FILES if (stdlib / name).is_file()]


def _line_end(source: str, line_number: int, starts: Sequence[int]) -> int:
    """Offset of the newline ending 1-based line `line_number` (or the end of the text)."""
    start = starts[line_number - 1]
    end = source.find("\n", start)
    return len(source) if end < 0 else end


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for i, ch in enumerate(source):
        if ch == "\n":
            starts.append(i + 1)
    return starts


def _qualified(tree: ast.AST) -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found.append((prefix + child.name, child))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def tasks_in_source(path: str, source: str) -> list[TypingTask]:
    """Every function in `source` whose body can be removed and re-typed (in file order)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    starts = _line_starts(source)
    tasks = []
    for name, func in _qualified(tree):
        body = func.body
        has_doc = (
            isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        rest = body[1:] if has_doc else body
        if not rest or func.end_lineno is None:
            continue
        kept_line = body[0].end_lineno if has_doc else rest[0].lineno - 1
        if kept_line is None or kept_line < func.lineno or rest[0].lineno <= kept_line:
            continue  # a body on the signature's or docstring's own line cannot be re-typed by lines
        first = source[starts[rest[0].lineno - 1] : _line_end(source, rest[0].lineno, starts)]
        if first.encode("utf-8")[: rest[0].col_offset].strip():  # col_offset counts UTF-8 bytes
            continue  # the first statement shares its line with something else
        start = _line_end(source, kept_line, starts)
        end = _line_end(source, func.end_lineno, starts)
        if end > start:
            tasks.append(TypingTask(path=path, name=name, source=source, body_start=start, body_end=end))
    return tasks


def choose_tasks(
    files: Sequence[Path],
    count: int,
    seed: int,
    min_lines: int = 3,
    max_lines: int = 12,
    max_chars: int = 600,
) -> list[TypingTask]:
    """`count` functions (all eligible ones when count < 0), chosen reproducibly from `seed`.

    Eligible: a body of `min_lines` to `max_lines` non-blank lines and at most `max_chars`
    characters. The order is a seeded shuffle of all eligible functions of all files.
    """
    eligible: list[TypingTask] = []
    for path in files:
        source = Path(path).read_text(encoding="utf-8")
        for task in tasks_in_source(str(path), source):
            if min_lines <= task.lines <= max_lines and len(task.body) <= max_chars:
                eligible.append(task)
    random.Random(seed).shuffle(eligible)
    return eligible if count < 0 else eligible[:count]


def keystrokes(body: str, start: int) -> list[Keystroke]:
    """The keystrokes that type `body` (which starts with a newline) at offset `start`."""
    if not body.startswith("\n"):
        raise ValueError("a typed body starts with the Enter that ends the kept line")
    out: list[Keystroke] = []
    offset = start
    for line in body[1:].split("\n"):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        rest = line[len(indent) :]
        out.append(Keystroke(offset=offset, text="\n" + indent, enter=True, pause=bool(rest), line_rest=rest))
        offset += 1 + len(indent)
        for i, ch in enumerate(rest):
            out.append(Keystroke(offset=offset, text=ch, enter=False, pause=False, line_rest=rest[i + 1 :]))
            offset += 1
    return out


def apply_keystrokes(document: str, strokes: Sequence[Keystroke]) -> str:
    """The document after the keystrokes (each inserted at its own offset)."""
    for stroke in strokes:
        document = document[: stroke.offset] + stroke.text + document[stroke.offset :]
    return document


def first_line(text: str) -> str:
    """The first line of a suggestion."""
    return text.split("\n", 1)[0]


def would_accept(suggestion: str, line_rest: str) -> bool:
    """True when the suggestion's first line is exactly what the typist types next on that line.

    Trailing whitespace is ignored on both sides; an empty first line never counts (the typist
    always has something left to type where this is asked).
    """
    first = first_line(suggestion).rstrip()
    return bool(first.strip()) and first == line_rest.rstrip()
