"""How often retrieval puts the hole's own line in front of the model.

For each task, the snippets that retrieval returns for the hole at the run's context budget
(computed in this process from the benchmark's own index: no model, no server), and whether the
expected line stands in one of them. It does not depend on the model or on timing, so it shows
what a retrieval change did where exact match on a few dozen tasks is mostly noise. The local
window is cut as the server cuts it for a document just opened, in the PSM layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hushcode.config.settings import CompletionSettings
from hushcode.prompt.assemble import CHARS_PER_TOKEN
from hushcode.prompt.window import cut_window
from hushcode.workspace.index import WorkspaceIndex
from hushcode.workspace.retrieval import retrieve
from hushcode_bench.holes import Task


def line_in_context(index: WorkspaceIndex, root: Path, tasks: Sequence[Task], texts: Mapping[str, str],
                    context_tokens: int, settings: CompletionSettings | None = None) -> list[bool]:
    """Per task: does the context retrieved at the hole contain the hole's expected line?"""
    cfg = settings or CompletionSettings()
    found = []
    for task in tasks:
        original = texts[task.path]
        text = original[:task.start] + original[task.end:]
        window = cut_window(text, task.start, None, cfg.prefix_tokens * CHARS_PER_TOKEN,
                            cfg.suffix_tokens * CHARS_PER_TOKEN, cfg.suffix_lines, typed_after_middle=False)
        local = (task.start - len(window.prefix), task.start + len(window.suffix))
        snippets = retrieve(index, root / task.path, text, task.start, context_tokens * CHARS_PER_TOKEN, local)
        expected = task.expected.strip()
        found.append(bool(expected) and any(expected in s.text for s in snippets))
    return found
