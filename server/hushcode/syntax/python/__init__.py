"""Python-only analysis of the code around the cursor, for the blank-line ranking and the cleanup.

These answer questions whose answers follow Python's own scoping rules (a name bound anywhere in a
function is local to all of it), so they live apart from the language-neutral syntax decisions:

- bindings.py: the one walk, every name read or bound in evaluation order;
- unbound.py (with branches.py): what the code below reads that nothing before defines;
- early_reads.py: what a line at the cursor would read before the function binds it;
- result.py: whether the cursor's function still lacks its result.
"""
