"""The workspace: an index of every source file's outline, kept current by a watcher, and the
retrieval of cross-file context for a completion (see docs/workspace.md)."""

from .cache import default_cache_dir
from .edits import EditRegion, RecentEdits
from .index import BuildStats, WorkspaceIndex, to_path
from .retrieval import RetrievalSettings, Snippet, retrieve
from .watcher import WorkspaceWatcher

__all__ = [
    "BuildStats", "EditRegion", "RecentEdits", "RetrievalSettings", "Snippet", "WorkspaceIndex",
    "WorkspaceWatcher", "default_cache_dir", "retrieve", "to_path",
]
