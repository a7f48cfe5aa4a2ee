"""Guessed tokens on the real model: checking them in the same decode leaves the greedy output as
it was, and saves decodes (engine/generation.py).

"As it was" up to a tie: llama.cpp's CPU kernels round differently for decodes of different sizes
(0.1 in a logit, measured), so where the two likeliest tokens are that close, a check may pick the
other one. The test allows exactly that: an output may differ only at a token the model ranks
within TIE of its best one.
"""

from __future__ import annotations

import sysconfig
import time
from pathlib import Path
from typing import Any

import pytest

from hushcode.engine.generation import Decoder, Limits

TIE = 0.3  # logits closer than this are a tie (decodes of different sizes moved one by 0.1 here)

TEXT = (Path(sysconfig.get_paths()["stdlib"]) / "textwrap.py").read_text()
# mid-body cursors in code no one here wrote: (text before which the cursor sits, chars of suffix)
CUTS = ["        chunks = self._split_chunks(text)", "        patsearch = self.sentence_end_re.search",
        "    indents = _leading_whitespace_re.findall(text)"]


@pytest.fixture(scope="module")
def llm(model_path: Path) -> Any:
    import llama_cpp

    return llama_cpp.Llama(model_path=str(model_path), n_ctx=2048, n_threads=2, verbose=False)


def _special(llm: Any, text: str) -> int:
    tokens = llm.tokenize(text.encode(), add_bos=False, special=True)
    assert len(tokens) == 1, text
    return int(tokens[0])


def _generate(llm: Any, prompt: list[int], guesses: bool, context: int | None = None,
              expected: tuple[int, ...] = ()) -> tuple[Any, Decoder]:
    import llama_cpp

    stops = {_special(llm, "<|fim_pad|>"), _special(llm, "<|endoftext|>"), _special(llm, "<|file_sep|>")}
    decoder = Decoder(llm, stops, lambda t: bool(llama_cpp.llama_vocab_is_eog(llm._model.vocab, t)),
                      lambda: False, guesses=guesses)
    llm.reset()
    llm._ctx.kv_cache_clear()
    decoder.evaluate_prompt(prompt, time.monotonic() + 120)
    if context is not None:  # the left-to-right reading: after the prompt's prefix part alone
        assert decoder.resume_at(context)
    limits = Limits(max_tokens=40, deadline=time.monotonic() + 120, stop_at_newline=context is not None)
    return decoder.generate(limits, lambda piece: None, expected=expected), decoder


def _same_or_tied(llm: Any, start: list[int], plain: tuple[int, ...], guessed: tuple[int, ...]) -> bool:
    """Are the outputs the same, or do they part where the model's two choices are tied?"""
    import llama_cpp
    import numpy as np

    if plain == guessed:
        return True
    at = next(i for i, (a, b) in enumerate(zip(plain, guessed, strict=False)) if a != b)
    llm.reset()
    llm._ctx.kv_cache_clear()
    llm.eval([*start, *plain[:at]])
    n_vocab = llama_cpp.llama_vocab_n_tokens(llm._model.vocab)
    logits = np.ctypeslib.as_array(llama_cpp.llama_get_logits_ith(llm.ctx, -1), shape=(n_vocab,))
    return abs(float(logits[plain[at]]) - float(logits[guessed[at]])) < TIE


def test_guessing_leaves_the_greedy_output_of_the_real_model_as_it_was(llm: Any) -> None:
    prefix_marker, suffix_marker, middle_marker = (_special(llm, f"<|fim_{m}|>") for m in ("prefix", "suffix", "middle"))
    kept = 0
    for cut in CUTS:
        at = TEXT.index(cut) + len(cut) - len(cut.lstrip())  # after the line's indentation
        before = llm.tokenize(TEXT[max(0, at - 1500):at].encode(), add_bos=False, special=False)
        after = llm.tokenize(TEXT[at:at + 600].encode(), add_bos=False, special=False)
        prompt = [prefix_marker, *before, suffix_marker, *after, middle_marker]
        plain, _ = _generate(llm, prompt, guesses=False)
        guessed, decoder = _generate(llm, prompt, guesses=True)
        assert _same_or_tied(llm, prompt, plain.tokens, guessed.tokens), (cut, plain.text, guessed.text)
        kept += decoder.kept
        # the left-to-right line, with the fill-in-the-middle line as the expected one
        context = 1 + len(before)
        plain_line, _ = _generate(llm, prompt, guesses=False, context=context)
        line, decoder = _generate(llm, prompt, guesses=True, context=context, expected=plain.tokens)
        assert _same_or_tied(llm, prompt[:context], plain_line.tokens, line.tokens), (cut, plain_line.text, line.text)
        kept += decoder.kept
    assert kept > 10  # the guesses were checked and saved decodes, not skipped
