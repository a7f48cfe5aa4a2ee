"""Cut completion tasks ("holes") out of source files with tree-sitter.

Three kinds, all inside function bodies:

- ``line``: one whole single-line statement; the cursor sits at its indentation on the now
  otherwise empty line.
- ``rest``: the rest of such a line from a random token boundary (never mid-identifier, never
  inside a string or comment); the cursor sits at the cut.
- ``block``: the whole body of a function after its signature (and docstring); the cursor sits on
  the empty, indented first line of the body.

A task removes ``original[start:end]`` (``expected``); the cursor is at ``start`` in the holed
document. Selection is reproducible: candidates are sorted, then shuffled with a seed per kind, so
the same tree and seed give the same tasks, and a larger ``--limit`` only adds tasks.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode_bench.languages import string_nodes
from hushcode_bench.sources import SourceFile

KINDS = ("line", "rest", "block")
TASKS_VERSION = 1
_WORD = re.compile(rb"\w")


@dataclass(frozen=True)
class Task:
    """One hole: what to remove from a file, and where the cursor goes."""

    id: str
    kind: str
    path: str
    language: str
    start: int  # code point offset of the hole in the original text (the cursor)
    end: int  # end of the hole in the original text
    expected: str
    line: int  # 0-based line of the cursor
    column: int  # code points from the start of that line

    def document(self, original: str) -> str:
        """The text the editor holds: the original with the hole removed."""
        return original[: self.start] + original[self.end :]


@dataclass(frozen=True)
class _Candidate:
    source: SourceFile
    start: int  # bytes
    end: int


def walk(node: Node) -> Iterator[Node]:
    """Every node under `node` (included), depth first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _statements(spec: LanguageInfo, body: Node) -> list[Node] | None:
    """The statements of a function body, or None when the body is not a statement block."""
    if body.type in spec.blocks:
        return list(body.named_children)
    inner = [c for c in body.named_children if c.type not in spec.comments]
    if not inner:
        return [] if body.type.endswith("block") else None
    if len(inner) == 1 and inner[0].type in spec.body_wrappers:
        return list(inner[0].named_children)
    return None


def _bodies(spec: LanguageInfo, root: Node) -> Iterator[Node]:
    for node in walk(root):
        if node.type in spec.functions:
            body = node.child_by_field_name(spec.body_field)
            if body is not None and _statements(spec, body) is not None:
                yield body


def _is_docstring(spec: LanguageInfo, node: Node) -> bool:
    return (
        spec.docstrings
        and node.type == "expression_statement"
        and node.named_child_count == 1
        and node.named_children[0].type in string_nodes(spec)
    )


def _line_bounds(src: bytes, start: int, end: int) -> tuple[int, int]:
    """Byte offsets of the start of `start`'s line and the end (before "\\n") of `end`'s line."""
    line_end = src.find(b"\n", end)
    return src.rfind(b"\n", 0, start) + 1, len(src) if line_end == -1 else line_end


def _alone_on_lines(src: bytes, node: Node) -> bool:
    """Only whitespace before `node` on its first line and after it on its last line."""
    line_start, line_end = _line_bounds(src, node.start_byte, node.end_byte)
    return not src[line_start : node.start_byte].strip() and not src[node.end_byte : line_end].strip()


def line_statements(spec: LanguageInfo, src: bytes, root: Node) -> list[Node]:
    """Single-line statements inside function bodies that fill their line (no trailing comment)."""
    found: dict[int, Node] = {}
    for body in _bodies(spec, root):
        for node in walk(body):
            if node.type not in spec.blocks and node is not body:
                continue
            for stmt in _statements(spec, node) or []:
                if (
                    stmt.type not in spec.comments
                    and not _is_docstring(spec, stmt)
                    and stmt.start_point.row == stmt.end_point.row
                    and _alone_on_lines(src, stmt)
                ):
                    found[stmt.start_byte] = stmt
    return [found[k] for k in sorted(found)]


def cut_points(spec: LanguageInfo, src: bytes, stmt: Node) -> list[int]:
    """Token boundaries inside a statement where a rest-of-line task may start.

    Strings and comments count as one token; the first token is excluded (that would be a line
    task), and so is any cut that leaves no word character to complete.
    """
    points: list[int] = []
    strings = string_nodes(spec)
    stack = [stmt]
    while stack:
        node = stack.pop()
        if node.child_count == 0 or node.type in strings or node.type in spec.comments:
            points.append(node.start_byte)
        else:
            stack.extend(reversed(node.children))
    return [
        p
        for p in sorted(set(points))
        if stmt.start_byte < p < stmt.end_byte
        and not (_WORD.match(src[p - 1 : p]) and _WORD.match(src[p : p + 1]))
        and _WORD.search(src[p : stmt.end_byte])
    ]


def block_bodies(spec: LanguageInfo, src: bytes, root: Node, max_lines: int) -> list[tuple[int, int]]:
    """(start, end) byte ranges of function bodies to cut, after any docstring.

    The first statement must begin its own line (not `def f(): return 1`), the last must end its
    line (not `x }`), and the body may span at most `max_lines` lines.
    """
    holes: list[tuple[int, int]] = []
    for body in _bodies(spec, root):
        stmts = _statements(spec, body) or []
        if stmts and _is_docstring(spec, stmts[0]):
            stmts = stmts[1:]
        if not stmts:
            continue
        first, last = stmts[0], stmts[-1]
        line_start, line_end = _line_bounds(src, first.start_byte, last.end_byte)
        if src[line_start : first.start_byte].strip() or src[last.end_byte : line_end].strip():
            continue
        if last.end_point.row - first.start_point.row + 1 <= max_lines:
            holes.append((first.start_byte, last.end_byte))
    return sorted(holes)


def _candidates(source: SourceFile, kind: str, seed: int, max_block_lines: int) -> list[_Candidate]:
    src = source.text.encode("utf-8")
    spec = source.language
    root = parse(spec, source.text).root_node
    if kind == "block":
        return [_Candidate(source, s, e) for s, e in block_bodies(spec, src, root, max_block_lines)]
    found: list[_Candidate] = []
    for stmt in line_statements(spec, src, root):
        if kind == "line":
            found.append(_Candidate(source, stmt.start_byte, stmt.end_byte))
            continue
        points = cut_points(spec, src, stmt)
        if points:  # the cut depends only on this line and the seed, not on the other tasks
            cut = random.Random(f"{seed}:{source.path}:{stmt.start_byte}").choice(points)
            found.append(_Candidate(source, cut, stmt.end_byte))
    return found


def make_task(kind: str, source: SourceFile, start_byte: int, end_byte: int) -> Task:
    """The task that removes bytes [start_byte, end_byte) of `source` (offsets become code points)."""
    text = source.text
    src = text.encode("utf-8")
    ascii_only = len(src) == len(text)
    start = start_byte if ascii_only else len(src[:start_byte].decode("utf-8"))
    end = end_byte if ascii_only else len(src[:end_byte].decode("utf-8"))
    line = text.count("\n", 0, start)
    column = start - (text.rfind("\n", 0, start) + 1)
    return Task(
        id=f"{kind}:{source.path}:{line + 1}:{column + 1}",
        kind=kind,
        path=source.path,
        language=source.language.language_id,
        start=start,
        end=end,
        expected=text[start:end],
        line=line,
        column=column,
    )


def cut_tasks(
    sources: Sequence[SourceFile], kinds: Sequence[str], limit: int, seed: int = 0, max_block_lines: int = 12
) -> list[Task]:
    """Up to `limit` tasks of each kind, reproducibly chosen with `seed`, in (kind, path, offset) order."""
    tasks: list[Task] = []
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown task kind {kind!r} (known: {', '.join(KINDS)})")
        pool = [c for source in sources for c in _candidates(source, kind, seed, max_block_lines)]
        random.Random(f"{seed}:{kind}").shuffle(pool)
        chosen = sorted(pool[:limit], key=lambda c: (c.source.path, c.start))
        tasks.extend(make_task(kind, c.source, c.start, c.end) for c in chosen)
    return tasks


def save_tasks(path: Path, tasks: Sequence[Task], texts: dict[str, str], seed: int) -> None:
    """Write a reference set: the tasks plus the text of every file they were cut from."""
    used = sorted({t.path for t in tasks})
    data = {
        "version": TASKS_VERSION,
        "seed": seed,
        "files": {p: texts[p] for p in used},
        "tasks": [dataclasses.asdict(t) for t in tasks],
    }
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")


def load_tasks(path: Path) -> tuple[list[Task], dict[str, str]]:
    """Read a reference set written by `save_tasks` (ValueError when it is not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != TASKS_VERSION:
            raise ValueError(f"unsupported version {data.get('version')!r}")
        tasks = [Task(**t) for t in data["tasks"]]
        files = {str(k): str(v) for k, v in data["files"].items()}
    except (OSError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a hushcode task file ({exc})") from exc
    for task in tasks:
        if task.path not in files or files[task.path][task.start : task.end] != task.expected:
            raise ValueError(f"{path}: task {task.id} does not match its file's text")
    return tasks, files
