"""What retrieval returns, and its settings.

Apart from retrieval.py because similar.py makes snippets too and retrieval.py imports it: the
type in either of them would make the two import each other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetrievalSettings:
    usage_lines: int = 40  # lines before the cursor whose names are looked up
    query_lines: int = 20  # lines before the cursor that similar code is compared with
    window_lines: int = 20
    window_stride: int = 10
    # a weaker window is mostly unrelated code: on HumanEval's neighbouring modules (Jaccard 0.10 to
    # 0.15) it cost the 0.5B model holes and won none, and every asyncio window that held the hole's
    # own line scored at least 0.196 (docs/workspace.md): a threshold in that gap
    min_similarity: float = 0.18
    max_similar: int = 6
    related_files: int = 16  # files searched for similar code besides the open and edited ones
    max_edits: int = 4
    edit_context: int = 2  # lines shown around an edited region
    max_edit_lines: int = 12
    max_definitions: int = 12


DEFAULT_RETRIEVAL = RetrievalSettings()


@dataclass(frozen=True, slots=True)
class Snippet:
    path: str  # relative to its workspace folder
    text: str
    kind: str  # "definition" | "similar" | "edit"
    score: float
    line: int = 0  # first line in its file (0-based), for a stable order
    strong: bool = False  # a similar window close enough to go before the definitions (similar.py)
