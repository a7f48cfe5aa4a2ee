"""Python-only analysis: scopes, names bound and read around the cursor."""
