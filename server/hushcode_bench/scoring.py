"""The scores of one answered task: the metrics, and whether the completed file still parses.

"Parses" is only asked of a file that parsed before the hole was cut, and of a non-empty answer:
a file tree-sitter already rejects says nothing about the suggestion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hushcode.syntax.languages import parses_cleanly
from hushcode_bench.holes import Task
from hushcode_bench.languages import language_named
from hushcode_bench.metrics import score
from hushcode_bench.placement import base_kind


def parsed_before(tasks: Sequence[Task], texts: Mapping[str, str]) -> dict[str, bool]:
    """Per file of `tasks`: does its original text parse cleanly?"""
    return {t.path: parses_cleanly(language_named(t.language), texts[t.path]) for t in tasks}


def score_task(task: Task, got: str, completed: str, parsed: bool) -> dict[str, Any]:
    """The per-task figures the results store (`parsed`: did the file parse before the hole?)."""
    info = language_named(task.language)
    s = score(base_kind(task.kind), task.expected, got, info.keywords, info.line_comment)
    return {
        "exact": s.exact,
        "edit_similarity": round(s.edit_similarity, 4),
        "identifier_exact": s.identifier_exact,
        "identifier_f1": round(s.identifier_f1, 4),
        "empty": s.empty,
        "parses": parses_cleanly(info, completed) if parsed and not s.empty else None,
    }
