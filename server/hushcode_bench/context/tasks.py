"""Cross-file tasks for ``hushcode bench context``: whole-line holes that need another file.

A task is a ``line`` hole (see ``holes``: one single-line statement inside a function body,
the cursor at its indentation) whose statement uses a name that the file imports from another
file of the same workspace, and that name's definition is found there through the workspace
index (``hushcode.workspace``: the outline's imports, resolved to a workspace file, re-exports
followed). ``from .models import Point`` then ``p = Point(1, 2)`` is one; ``os.path.join(...)``
(a library) or a call of a function of the same file is not.

Selection is reproducible: the candidates are sorted by file and offset, shuffled with the seed,
and the first ``limit`` are taken (a larger limit only adds tasks).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Node

from hushcode.syntax.languages import LanguageInfo, parse
from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.lookup import Binding, bindings, find_definition, find_module, resolve
from hushcode.workspace.outline import Definition
from hushcode_bench.holes import Task, line_statements, make_task, walk
from hushcode_bench.languages import string_nodes
from hushcode_bench.sources import SourceFile, list_sources

# identifiers and `a.b.c` chains, as the retrieval reads the code before the cursor
_CHAIN = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*")


@dataclass(frozen=True)
class CrossFileUse:
    """A name in the hole's line, and where the workspace index finds its definition."""

    name: str  # as written in the line (`Point`, `errors.HeaderParseError`)
    definition: str  # the definition's name
    kind: str  # function, class, constant...
    path: str  # the defining file, relative to the workspace folder
    line: int  # 1-based line of the definition there


@dataclass(frozen=True)
class ContextTask:
    """A line task plus the cross-file names that its expected text uses."""

    task: Task
    uses: tuple[CrossFileUse, ...]


def code_chains(spec: LanguageInfo, src: bytes, stmt: Node) -> list[str]:
    """The identifier chains of a statement outside its strings and comments, in order, unique."""
    text = bytearray(src[stmt.start_byte : stmt.end_byte])
    strings = string_nodes(spec)
    for node in walk(stmt):
        if node.type in strings or node.type in spec.comments:
            for i in range(node.start_byte - stmt.start_byte, node.end_byte - stmt.start_byte):
                text[i] = 0x20
    found = _CHAIN.findall(text.decode("utf-8", "replace"))
    return list(dict.fromkeys(found))


def _is_import(stmt: Node) -> bool:
    # a local `from .x import y` binds the name rather than using it
    return "import" in stmt.type or stmt.type in ("use_declaration", "extern_crate_declaration")


def lookup_imported(
    index: WorkspaceIndex, path: Path, language: str, chain: str, bound: dict[str, Binding]
) -> tuple[Path, Definition] | None:
    """Where an imported name (or `module.attr` chain) used in `path` is defined in another
    workspace file; None for a name that is not imported, or imported from outside the workspace.

    The explicit-import part of the retrieval's lookup: `import a.b as m` used as `m.f`,
    `from pkg import mod` used as `mod.f`, `from .x import f` used as `f` (re-exports followed).
    """
    parts = chain.split(".")
    hit: tuple[Path, Definition] | None = None
    for cut in range(len(parts) - 1, 0, -1):
        binding = bound.get(".".join(parts[:cut]))
        if binding is not None:
            module = find_module(index, binding, path, language)
            if module is not None:
                hit = find_definition(index, module, parts[cut])
            break
    if hit is None:
        binding = bound.get(parts[0])
        if binding is not None and binding.name is not None:
            module = resolve(index, binding.imp, path, language)
            hit = find_definition(index, module, binding.name) if module is not None else None
    if hit is None or hit[0] == path:
        return None
    return hit


def _candidates(
    index: WorkspaceIndex, root: Path, source: SourceFile
) -> list[tuple[int, int, tuple[CrossFileUse, ...]]]:
    """(start byte, end byte, uses) of every cross-file line statement of one file."""
    path = (root / source.path).resolve()
    outline = index.outline_of(path)
    if outline is None:  # a file the index skips (generated, ignored): no imports to follow
        return []
    bound, _ = bindings(outline)
    if not bound:
        return []
    spec = source.language
    src = source.text.encode("utf-8")
    found = []
    for stmt in line_statements(spec, src, parse(spec, source.text).root_node):
        if _is_import(stmt):
            continue
        uses = []
        for chain in code_chains(spec, src, stmt):
            parts = chain.split(".")
            if not any(".".join(parts[:i]) in bound for i in range(1, len(parts) + 1)):
                continue
            hit = lookup_imported(index, path, outline.language, chain, bound)
            if hit is not None:
                where, definition = hit
                uses.append(
                    CrossFileUse(
                        chain,
                        definition.name,
                        definition.kind,
                        index.relative(where),
                        definition.start_line + 1,
                    )
                )
        if uses:
            found.append((stmt.start_byte, stmt.end_byte, tuple(uses)))
    return found


def build_index(root: Path) -> WorkspaceIndex:
    """The workspace index of `root`, in memory only (nothing is persisted or written)."""
    index = WorkspaceIndex([root.resolve()], cache_dir=None)
    index.build()
    return index


def count_candidates(index: WorkspaceIndex, root: Path, sources: Sequence[SourceFile]) -> int:
    return sum(len(_candidates(index, root.resolve(), s)) for s in sources)


def cross_file_tasks(
    root: Path,
    limit: int,
    seed: int = 0,
    sources: Sequence[SourceFile] | None = None,
    index: WorkspaceIndex | None = None,
) -> tuple[list[ContextTask], int]:
    """Up to `limit` cross-file line tasks of the repository `root`, chosen with `seed`, in
    (path, offset) order; and how many candidates there were."""
    root = root.resolve()
    sources = list_sources(root) if sources is None else sources
    index = build_index(root) if index is None else index
    pool = [(s, start, end, uses) for s in sources for start, end, uses in _candidates(index, root, s)]
    random.Random(f"{seed}:context").shuffle(pool)
    chosen = sorted(pool[:limit], key=lambda c: (c[0].path, c[1]))
    return [ContextTask(make_task("line", s, start, end), uses) for s, start, end, uses in chosen], len(pool)
