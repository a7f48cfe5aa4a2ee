"""A generated token's text (worker/decoder.token_bytes): long whitespace tokens survive.

llama-cpp-python's own detokenize reads each piece into 32 bytes and returns nothing for a longer
one, so the indentation of a continuation line aligned under an open bracket (one Qwen token of
36 spaces) vanished from suggestions and next edits."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.model


def test_a_token_longer_than_32_bytes_keeps_its_text(model_path: Path) -> None:
    import llama_cpp

    from hushcode.worker.decoder import token_bytes

    llm = llama_cpp.Llama(str(model_path), vocab_only=True, verbose=False)
    text = "lines.append(' | '.join([h.center(w)\n" + " " * 37 + "for h in headers]))\n"
    tokens = llm.tokenize(text.encode(), add_bos=False, special=False)
    assert any(len(token_bytes(llm, t)) > 32 for t in tokens)  # the case this is about
    assert b"".join(token_bytes(llm, t) for t in tokens).decode() == text
