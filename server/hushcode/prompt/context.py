"""Cross-file snippets as prompt text: the repository format where the model has its markers
(Qwen's and StarCoder2's repository and file markers, Mellum's file marker), comments otherwise.
Pure: texts in, texts out (the caller tokenizes them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.syntax.languages import LANGUAGES

# Line comment per language (tree-sitter names); "#" for anything else.
_COMMENT = {name: info.line_comment for name, info in LANGUAGES.items()}


@dataclass(frozen=True)
class ContextSnippet:
    path: str  # relative to the workspace folder
    text: str


def repo_texts(repo_name: str | None, snippets: Sequence[ContextSnippet], current_path: str) -> list[str]:
    """The texts that follow REPO_NAME and each FILE_SEP marker, in order:
    `name\\n`, then `path\\ncode\\n` per snippet, then the current file's `path\\n`. No name
    for a model whose vocabulary has a file marker only (Mellum's `<filename>`)."""
    head = [f"{repo_name}\n"] if repo_name is not None else []
    return [*head, *(f"{s.path}\n{s.text.rstrip()}\n" for s in snippets), f"{current_path}\n"]


def comment_text(snippets: Sequence[ContextSnippet], language: str | None) -> str:
    """Snippets as comment lines, for models without repository markers."""
    mark = _COMMENT.get(language or "", "#")
    out: list[str] = []
    for snippet in snippets:
        out.append(f"{mark} Path: {snippet.path}")
        out.extend(f"{mark} {line}".rstrip() for line in snippet.text.rstrip().split("\n"))
    return "\n".join(out) + "\n" if out else ""
