"""Next-edit suggestions: a rewrite of the code near the cursor, learned from the recent edits."""
