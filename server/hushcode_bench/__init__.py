"""``hushcode bench``: measure hushcode on the user's own code.

Data flow of ``hushcode bench quality``:

    sources (files worth cutting) -> holes (tasks cut with tree-sitter) -> client (the real server
    over stdio, one per configuration) -> metrics (per task) -> testrun (optional pass@1 in a copy)
    -> report (JSON, table, PNG)

``languages`` holds the per-language node-type tables that ``holes`` and ``metrics`` read.
"""
