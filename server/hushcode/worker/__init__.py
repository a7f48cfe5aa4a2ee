"""The engine process: one llama.cpp model, reached over pipes (see engine/wire.py)."""
