"""An immutable copy of an open document: what the pure steps of a completion read.

The server takes it on the event loop when a request arrives; deciding, building the prompt
and cleaning up the answer then run on it in a worker thread (see completion/service.py), so
later edits to the live document never race with them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from hushcode.syntax.languages import LanguageInfo, detect_language


@dataclass(frozen=True)
class DocumentSnapshot:
    """A document's text and what names it, frozen when a request arrives."""

    uri: str
    version: int | None
    text: str
    language_id: str | None = None
    repo_name: str = "workspace"  # for the repository prompt format
    relative_path: str = ""

    def __post_init__(self) -> None:
        if not self.relative_path:
            object.__setattr__(self, "relative_path", PurePosixPath(self.uri).name)

    @property
    def name(self) -> str:
        """The file name alone: what a log line may say about the document."""
        return PurePosixPath(self.uri).name

    @property
    def language(self) -> LanguageInfo | None:
        """The language, from the editor's languageId, else the file extension."""
        return detect_language(self.language_id, self.uri)

    def with_text(self, text: str) -> DocumentSnapshot:
        """The same document holding `text` instead (a state the editor never sent: no version)."""
        return replace(self, version=None, text=text)


def language_name(doc: DocumentSnapshot) -> str | None:
    info = doc.language
    return info.name if info else None
