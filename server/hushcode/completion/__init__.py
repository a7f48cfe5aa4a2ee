"""From a cursor to a suggestion: the plan, the service that runs it, its caches and records."""
