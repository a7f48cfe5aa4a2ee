"""The workspace: an index of every source file's outline, kept current by a watcher, and the
retrieval of cross-file context for a completion."""
