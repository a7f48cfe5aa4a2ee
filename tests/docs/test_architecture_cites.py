"""docs/architecture.md names only files and folders that exist.

The architecture document is where a newcomer learns where each rule lives; a file it cites that
was moved or removed sends them nowhere. Every path-like name in backticks (`completion/plan.py`,
`lsp/`, `server/hushcode/isolation.py`) must exist, relative to the repository, to server/, or to
the package (server/hushcode/ and server/hushcode_bench/).
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "architecture.md"
ROOTS = (REPO, REPO / "server", REPO / "server" / "hushcode", REPO / "server" / "hushcode_bench")
# `name.py`, `folder/`, `a/b/c.py`, `a/b.scm`, `pyproject.toml`: what reads as a path (not a command)
CITED = re.compile(r"`([\w./-]+(?:\.(?:py|md|toml|scm|lua|ts|json|sh)|/))`")


def cited_paths(text: str) -> list[str]:
    return sorted({m.group(1) for m in CITED.finditer(text) if not m.group(1).startswith(("http", "-"))})


def exists(path: str) -> bool:
    return any((root / path).exists() for root in ROOTS)


def test_the_architecture_document_cites_only_files_that_exist() -> None:
    missing = [path for path in cited_paths(DOC.read_text(encoding="utf-8")) if not exists(path)]
    assert missing == []


def test_the_check_reads_paths_and_finds_a_missing_one() -> None:
    text = "see `completion/nowhere.py` and `lsp/` and `isolation.py`, run `hushcode serve`"
    assert cited_paths(text) == ["completion/nowhere.py", "isolation.py", "lsp/"]
    assert not exists("completion/nowhere.py") and exists("isolation.py")
