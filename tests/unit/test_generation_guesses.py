"""Guessed tokens checked in the same decode (engine/generation.py): prompt lookup, a line the
caller expects, and an output that stays the greedy output (a deterministic fake model)."""

from __future__ import annotations

import time

import numpy as np

from hushcode.engine.generation import Decoder, Limits, lookup

END = 0


def test_lookup_continues_the_latest_earlier_occurrence_of_the_last_three_tokens() -> None:
    history = np.array([5, 6, 7, 1, 2, 9, 9, 5, 6, 7, 3, 4, 8, 5, 6, 7])
    assert lookup(history, k=3) == [3, 4, 8]  # the later of the two earlier "5 6 7"
    assert lookup(history, k=1) == [3]


def test_lookup_falls_back_to_two_tokens_and_finds_nothing_new() -> None:
    assert lookup(np.array([1, 2, 3, 4, 9, 2, 3]), k=3) == [4, 9, 2]  # "9 2 3" never occurred: "2 3" did
    assert lookup(np.array([1, 2, 3, 4, 5])) == []  # "4 5" occurs only at the end
    assert lookup(np.array([7, 7])) == []  # too short to have occurred before
    assert lookup(np.array([3, 4, 3, 4])) == [3, 4]  # a repeat: what followed the earlier "3 4"


class Batch:
    def __init__(self) -> None:
        self.tokens: list[int] = []
        self.n_past = 0

    def set_batch(self, batch: list[int], n_past: int, logits_all: bool) -> None:
        assert logits_all
        self.tokens, self.n_past = list(batch), n_past


class Ctx:
    def __init__(self, llm: BigramLlm) -> None:
        self.llm = llm
        self.removed_from: list[int] = []

    def kv_cache_seq_rm(self, seq: int, start: int, end: int) -> None:
        self.removed_from.append(start)

    def decode(self, batch: Batch) -> None:
        assert batch.n_past == self.llm.n_tokens  # a check continues the evaluated tokens
        self.llm.decodes += 1
        self.llm.rows = [self.llm.follow[t] for t in batch.tokens]


class BigramLlm:
    """Stands in for llama_cpp.Llama: the greedy next token depends only on the last one."""

    def __init__(self, follow: dict[int, int], prompt: list[int]) -> None:
        self.follow = follow
        self.input_ids = np.zeros(512, dtype=np.intc)
        self.n_tokens = 0
        self.decodes = 0
        self.rows: list[int] = []
        self._sampler: object = None
        self._batch = Batch()
        self._ctx = Ctx(self)
        self.eval(prompt)

    def eval(self, tokens: list[int]) -> None:
        self.input_ids[self.n_tokens:self.n_tokens + len(tokens)] = tokens
        self.n_tokens += len(tokens)
        self.decodes += 1
        self.rows = [self.follow[t] for t in tokens]

    def sample(self, temp: float = 0.0) -> int:
        return self.rows[-1]

    def detokenize(self, tokens: list[int]) -> bytes:
        return f"<{tokens[0]}>".encode()

    def _init_sampler(self, **_: object) -> object:
        return object()


def decoder_for(llm: BigramLlm, guesses: bool) -> Decoder:
    decoder = Decoder(llm, stop_ids=set(), is_eog=lambda t: t == END, stopped=lambda: False, guesses=guesses)

    def logprobs(index: int = -1) -> np.ndarray:
        row = np.full(64, -20.0)
        row[llm.rows[index]] = 0.0
        return row

    decoder._logprobs = logprobs  # type: ignore[method-assign]
    return decoder


def run(follow: dict[int, int], prompt: list[int], guesses: bool, max_tokens: int = 40,
        expected: tuple[int, ...] = ()) -> tuple[str, BigramLlm, Decoder]:
    llm = BigramLlm(follow, prompt)
    decoder = decoder_for(llm, guesses)
    out = decoder.generate(Limits(max_tokens=max_tokens, deadline=time.monotonic() + 60), lambda piece: None,
                           expected=expected)
    return out.text, llm, decoder


# 10 -> 11 -> ... -> 19 -> end; the prompt already holds 13..17 once
CHAIN = {**{t: t + 1 for t in range(10, 19)}, 19: END, 1: 10, 2: 3, 3: 4, 30: 31, 31: 32, END: END}


def test_guesses_from_the_prompt_save_decodes_and_keep_the_greedy_output() -> None:
    prompt = [13, 14, 15, 16, 17, 2, 1]
    plain, plain_llm, _ = run(CHAIN, prompt, guesses=False)
    guessed, llm, decoder = run(CHAIN, prompt, guesses=True)
    assert plain == guessed == "".join(f"<{t}>" for t in range(10, 20))
    assert decoder.kept >= 3 and llm.decodes < plain_llm.decodes
    # the cache holds the prompt and the generated tokens it evaluated, nothing else
    evaluated = llm.n_tokens - len(prompt)
    assert llm.input_ids[:llm.n_tokens].tolist() == prompt + list(range(10, 10 + evaluated))
    # each check drops what it evaluated past its kept guesses: the removals stay inside the output
    assert llm._ctx.removed_from and all(len(prompt) <= r <= llm.n_tokens for r in llm._ctx.removed_from)


def test_wrong_guesses_are_not_kept() -> None:
    # the prompt says 12 13 was followed by 40 41 42, but this model goes on 14 15 ...
    prompt = [12, 13, 40, 41, 42, 2, 1]
    follow = {**CHAIN, 40: 41, 41: 42, 42: 2}
    plain, _, _ = run(follow, prompt, guesses=False)
    guessed, _, decoder = run(follow, prompt, guesses=True)
    assert guessed == plain == "".join(f"<{t}>" for t in range(10, 20))
    assert decoder.guessed > decoder.kept


def test_an_expected_line_is_guessed_first_and_stops_helping_where_it_differs() -> None:
    prompt = [2, 1]  # nothing to look up
    _, none_llm, _ = run(CHAIN, prompt, guesses=True)
    text, llm, decoder = run(CHAIN, prompt, guesses=True, expected=(10, 11, 12, 13, 30, 31))
    assert text == "".join(f"<{t}>" for t in range(10, 20))
    assert decoder.kept == 3  # 11 12 13, checked with 10; 30 was not the model's
    assert llm.decodes < none_llm.decodes


def test_a_stop_inside_kept_guesses_ends_the_output_there() -> None:
    prompt = [13, 14, 15, 16, 17, 2, 1]
    text, llm, _ = run(CHAIN, prompt, guesses=True, max_tokens=6)
    assert text == "".join(f"<{t}>" for t in range(10, 16))
    assert llm.input_ids[:llm.n_tokens].tolist()[len(prompt):] == list(range(10, 10 + llm.n_tokens - len(prompt)))
