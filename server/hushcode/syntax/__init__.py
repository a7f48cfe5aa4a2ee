"""Syntax decisions at the cursor: complete or not, one line or a block."""
