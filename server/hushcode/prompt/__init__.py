"""FIM prompts: templates per model family and the token layout of a prompt."""
