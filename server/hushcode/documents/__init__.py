"""Open documents: position arithmetic and frozen snapshots taken for a completion."""
