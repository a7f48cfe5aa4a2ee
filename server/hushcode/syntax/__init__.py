"""Syntax at the cursor, from tree-sitter and the line's own text, with no I/O.

languages.py (one table of grammars and node types), decide.py (complete or not, one line or a
block), lines.py (what one line of Python binds, reads, returns) and python/ (Python's scope
analysis for the blank-line ranking and the cleanup). Pure, so that the completion service, the
worker's ranking and the benchmarks can all call them.
"""
