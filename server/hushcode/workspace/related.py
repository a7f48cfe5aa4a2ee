"""The workspace files most likely to hold code like the code being written: the files the
current one imports, then the files beside it in the same language, those that share most of its
imports first. Similar-code retrieval searches them besides the open and recently edited files,
so a line that a sibling module already writes (the same logging call, the same guard, the same
helper called the same way) can be found without the user having opened that module.

Repository-level benchmarks retrieve from the whole repository (CrossCodeEval); searching only
the related files keeps each retrieval to a few dozen files on any workspace size.
"""

from __future__ import annotations

from pathlib import Path

from .lookup import Binding, IndexView, find_module, resolve
from .outline import Outline


def imported_modules(outline: Outline) -> frozenset[tuple[int, str]]:
    """What a file imports, as (relative level, module) pairs: two files of one folder that
    import the same modules spell them the same way."""
    return frozenset((imp.level, imp.module) for imp in outline.imports)


def related_files(index: IndexView, folder_files: list[Path], path: Path, outline: Outline | None,
                  limit: int) -> list[Path]:
    """At most `limit` indexed files related to `path`, most related first: the workspace files
    it imports (in import order), then its same-language neighbours in its folder by the number
    of imports they share with it, then by name. `folder_files` are the indexed files of its folder."""
    if limit <= 0 or outline is None:
        return []
    chosen: dict[Path, None] = {}
    for imp in outline.imports:
        # `from . import events` names the module events.py, not the package's __init__.py
        modules = [find_module(index, Binding(alias or name, name, imp), path, outline.language)
                   for name, alias in imp.names if name != "*"]
        found: list[Path | None] = [m for m in modules if m is not None]
        for target in found or [resolve(index, imp, path, outline.language)]:
            if target is not None and target != path:
                chosen.setdefault(target, None)
    mine = imported_modules(outline)
    neighbours: list[tuple[int, str, Path]] = []
    for other in folder_files:
        theirs = index.outline_of(other)
        if other == path or other in chosen or theirs is None or theirs.language != outline.language:
            continue
        neighbours.append((-len(mine & imported_modules(theirs)), other.name, other))
    neighbours.sort()
    for _, _, other in neighbours:
        chosen.setdefault(other, None)
    return list(chosen)[:limit]
