"""Cross-file context for one completion, ranked and fitted to a budget.

1. definitions: names used in the lines before the cursor that the file imports from other
   workspace files, followed through the index (re-exports included), shown as signature, doc
   and (when small) body; then names found through wildcard imports (C/C++ includes count as
   such) and, for Go and Java, in the same folder (one package).
2. similar: windows of lines from open and recently edited files, the files related to the
   current one (those it imports, those beside it: workspace/related.py) and the current file
   outside the local window, ranked by the Jaccard similarity of their identifiers to the lines
   before the cursor, as Copilot and Cody do. A strongly similar window goes first of all.
3. edit: the regions the user edited last, in other files.

Nothing that already stands in the local window is returned. The order is deterministic, so the
same state gives the same prompt (and the KV cache stays warm).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .edits import EditRegion
from .ignore import language_of
from .index import WorkspaceIndex, to_path
from .lookup import Binding, bindings, find_definition, find_module, render, resolve
from .outline import Definition, Import, Outline, outline
from .related import related_files
from .similar import similar_windows
from .snippet import DEFAULT_RETRIEVAL, RetrievalSettings, Snippet

__all__ = ["RetrievalSettings", "Snippet", "current_outline", "fit", "retrieve", "used_names"]

# Languages whose files in one folder share their names without importing them (a Go package,
# a Java package): there a used name is also looked up beside the current file.
FOLDER_NAMESPACES = frozenset({"go", "java"})
KIND_ORDER = {"definition": 0, "similar": 1, "edit": 2}
SNIPPET_OVERHEAD = 16  # what the prompt adds around each snippet (file marker, path line)


def retrieve(index: WorkspaceIndex, uri_or_path: str | Path, text: str, offset: int, budget_chars: int,
             local_window: tuple[int, int], recent_edits: Sequence[EditRegion] = (),
             settings: RetrievalSettings = DEFAULT_RETRIEVAL) -> list[Snippet]:
    """The snippets for a completion at code point `offset` of `text`, best first, whose total
    size (plus SNIPPET_OVERHEAD each) fits `budget_chars`. `local_window` is the [start, end)
    code point range of `text` that the prompt already shows."""
    path = to_path(uri_or_path)
    window_text = text[local_window[0]:local_window[1]]
    window_lines = (text.count("\n", 0, local_window[0]), text.count("\n", 0, local_window[1]))
    current = current_outline(index, path, text)
    related = related_files(index, index.files_in(path.parent), path, current, settings.related_files)
    candidates = [
        *_definition_snippets(index, path, current, text, offset, settings),
        *similar_windows(index, path, text, offset, window_lines, recent_edits, settings, related),
        *_edit_snippets(index, path, recent_edits, settings),
    ]
    return fit(candidates, budget_chars, window_text)


def fit(candidates: Sequence[Snippet], budget_chars: int, window_text: str = "") -> list[Snippet]:
    """Best first (strongly similar windows, then by kind; within each by score, then path and
    line); skip what is already in the local window or in a chosen snippet, and what does not
    fit the remaining budget."""
    ranked = sorted(candidates, key=_rank)
    chosen: list[Snippet] = []
    used = 0
    for snippet in ranked:
        body = snippet.text.strip()
        if not body or body in window_text or any(body in c.text for c in chosen):
            continue
        cost = len(snippet.text) + len(snippet.path) + SNIPPET_OVERHEAD
        if used + cost > budget_chars:
            continue
        chosen.append(snippet)
        used += cost
    return chosen


def _rank(snippet: Snippet) -> tuple[int, float, str, int]:
    return (-1 if snippet.strong else KIND_ORDER[snippet.kind], -snippet.score, snippet.path, snippet.line)


def used_names(text: str, offset: int, lines: int) -> list[str]:
    """Identifiers (and `a.b` chains) in the `lines` lines before the cursor, nearest first."""
    start = offset
    for _ in range(lines):
        start = text.rfind("\n", 0, start)
        if start <= 0:
            start = 0
            break
    found = re.findall(r"[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*)*", text[start:offset])
    return list(dict.fromkeys(reversed(found)))


def current_outline(index: WorkspaceIndex, path: Path, text: str) -> Outline | None:
    """The outline of the document being edited: the index's when it is this very buffer."""
    entry = index.entry(path)
    if entry is not None and entry.mtime_ns < 0 and index.open_documents().get(path) == text:
        return entry.outline
    language = language_of(path)
    return outline(str(path), text, language) if language else None


def _definition_snippets(index: WorkspaceIndex, path: Path, current: Outline | None, text: str, offset: int,
                         settings: RetrievalSettings) -> list[Snippet]:
    if current is None:
        return []
    bound, wildcards = bindings(current)
    local = {d.name for d in current.definitions}
    found: dict[tuple[Path, int], tuple[float, Definition]] = {}
    for rank, chain in enumerate(used_names(text, offset, settings.usage_lines)):
        nearness = 1.0 / (1 + rank)
        for score, hit in _lookups(index, path, current.language, chain, bound, wildcards, local):
            key = (hit[0], hit[1].start_byte)
            if hit[0] != path and (key not in found or found[key][0] < score + nearness):
                found[key] = (score + nearness, hit[1])
    best = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))[:settings.max_definitions]
    snippets = []
    for (where, _), (score, definition) in best:
        outline_there = index.outline_of(where)
        if outline_there is not None:
            snippets.append(Snippet(index.relative(where), render(definition, outline_there), "definition",
                                    round(score, 6), definition.start_line))
    return snippets


def _lookups(index: WorkspaceIndex, path: Path, language: str, chain: str, bound: dict[str, Binding],
             wildcards: list[Import], local: set[str]) -> list[tuple[float, tuple[Path, Definition]]]:
    """Where a used name (or `module.attr` chain) is defined, with a score by how it was found:
    an explicit import (3), a wildcard import (2), the same folder (1)."""
    parts = chain.split(".")
    hits: list[tuple[float, tuple[Path, Definition] | None]] = []
    for cut in range(len(parts) - 1, 0, -1):  # `import a.b as m` used as `m.f`, or `a.b.f`
        binding = bound.get(".".join(parts[:cut]))
        if binding is not None:
            module = find_module(index, binding, path, language)
            if module is not None:
                hits.append((3.0, find_definition(index, module, parts[cut])))
                break
    name = parts[0]
    binding = bound.get(name)
    if binding is not None and binding.name is not None:
        module = resolve(index, binding.imp, path, language)
        hits.append((3.0, find_definition(index, module, binding.name) if module else None))
    elif binding is None and name not in local:
        for imp in wildcards:
            module = resolve(index, imp, path, language)
            hits.append((2.0, find_definition(index, module, name) if module else None))
        if language in FOLDER_NAMESPACES:
            hits += [(1.0, (p, d)) for p, d in index.definitions(name)
                     if p.parent == path.parent and p != path and d.parent is None]
    return [(score, hit) for score, hit in hits if hit is not None]


def _edit_snippets(index: WorkspaceIndex, path: Path, recent_edits: Sequence[EditRegion],
                   settings: RetrievalSettings) -> list[Snippet]:
    snippets = []
    for rank, region in enumerate([r for r in recent_edits if r.path != path][:settings.max_edits]):
        text = index.text(region.path)
        if text is None:
            continue
        lines = text.split("\n")
        start = max(0, region.start_line - settings.edit_context)
        end = min(len(lines), region.end_line + settings.edit_context + 1, start + settings.max_edit_lines)
        body = "\n".join(lines[start:end])
        if body.strip():
            snippets.append(Snippet(index.relative(region.path), body, "edit", 1.0 / (1 + rank), start))
    return snippets
