"""The language server: pygls wiring, the protocol stream, the session."""
