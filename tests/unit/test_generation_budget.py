"""The first-suggestion budget in the engine's generation loop (a scripted fake model)."""

from __future__ import annotations

import time

from hushcode.worker.decoder import Decoder, Limits


class ScriptedModel:
    """Stands in for llama_cpp.Llama: emits one scripted piece per sampled token."""

    def __init__(self, pieces: list[str], seconds_per_token: float = 0.0) -> None:
        self.pieces = pieces
        self.seconds_per_token = seconds_per_token
        self.sampled = 0
        self._sampler = None

    def _init_sampler(self, **_: object) -> object:
        return object()

    def sample(self, temp: float = 0.0) -> int:
        time.sleep(self.seconds_per_token)
        self.sampled += 1
        return self.sampled - 1

    def detokenize(self, tokens: list[int]) -> bytes:
        return self.pieces[tokens[0]].encode("utf-8")

    def eval(self, tokens: list[int]) -> None:
        pass


BLOCK = ["    if not items", ":\n", "        return", " None\n", "    total = 0\n", "    for x in items:\n"]


def generate(model: ScriptedModel, line_budget_s: float | None) -> tuple[str, str]:
    decoder = Decoder(model, stop_ids=set(), is_eog=lambda t: t >= len(model.pieces), stopped=lambda: False)
    limits = Limits(max_tokens=100, deadline=time.monotonic() + 60, line_budget_s=line_budget_s)
    out = decoder.generate(limits, on_piece=lambda piece: None)
    return out.text, out.reason


def test_a_spent_budget_ends_the_block_at_the_first_line_end() -> None:
    text, reason = generate(ScriptedModel(BLOCK), line_budget_s=-1.0)
    assert (text, reason) == ("    if not items:\n", "budget")


def test_without_a_budget_the_whole_block_comes() -> None:
    text, reason = generate(ScriptedModel(BLOCK), line_budget_s=None)
    assert text == "".join(BLOCK) and reason == "stop"


def test_blank_lines_do_not_spend_the_budget() -> None:
    text, reason = generate(ScriptedModel(["\n", "\n", "    x = 1\n", "    y = 2\n"]), -1.0)
    assert (text, reason) == ("\n\n    x = 1\n", "budget")
