"""hushcode: private inline code completion from a local open-weight model."""

__version__ = "0.1.0"
