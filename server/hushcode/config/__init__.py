"""Typed settings: defaults, overridden by editor options and HUSHCODE_* environment variables."""
