"""Reading ahead in a draft (worker/copy_ahead.py): where the output continues in the draft; and,
with the real default model, that the output is the greedy output, in fewer decodes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from hushcode.worker.copy_ahead import lookup

DRAFT = [10, 11, 12, 13, 11, 12, 14]


def test_an_empty_output_starts_at_the_draft_start() -> None:
    assert lookup(DRAFT, [], 0) == 0
    assert lookup([], [], 0) is None


def test_the_longest_tail_of_the_output_decides_where_it_continues() -> None:
    # "11 12" is in the draft twice; "13 11 12" once: the output continues after it, at 14
    assert lookup(DRAFT, [13, 11, 12], 0) == 6


def test_of_several_matches_the_first_at_or_after_the_cursor() -> None:
    assert lookup(DRAFT, [99, 11, 12], 0) == 3
    assert lookup(DRAFT, [99, 11, 12], 4) == 6


def test_before_the_cursor_the_last_match() -> None:
    assert lookup(DRAFT, [99, 10], 5) == 1


def test_a_token_the_draft_lacks_gives_no_guess() -> None:
    assert lookup(DRAFT, [42], 0) is None


# -- the real model: greedy output with a draft is the greedy output ----------------------------

PROMPT = '''def area(width, height):
    """The area of a width by height rectangle."""
    return width * height


def perimeter(width, height):
    """The perimeter of a width by height rectangle."""
'''


def _output(model_path: Path, draft_text: str | None) -> Any:
    from hushcode.engine.wire import Load
    from hushcode.worker.decoder import Decoder, Limits
    from hushcode.worker.loader import load

    model, _ = load(Load(model_path=str(model_path), n_ctx=1024, threads=2))
    assert model is not None
    decoder = Decoder(model.llm, model.stop_ids, model.is_eog, stopped=lambda: False)
    decoder.evaluate_prompt(model.tokenize(PROMPT), deadline=time.monotonic() + 60)
    draft = model.tokenize(draft_text) if draft_text is not None else []
    return decoder.generate(Limits(max_tokens=40, deadline=time.monotonic() + 60, every_logprob=True),
                            on_piece=lambda piece: None, draft=draft)


@pytest.mark.model
def test_every_tokens_log_probability_with_and_without_a_draft(model_path: Path) -> None:
    plain = _output(model_path, None)
    ends = [end for end, _ in plain.token_logprobs]
    assert len(ends) == plain.generated and ends == sorted(ends) and ends[-1] == len(plain.text)
    assert all(lp <= 0 for _, lp in plain.token_logprobs)
    drafted = _output(model_path, plain.text)  # read ahead: the same tokens, nearly the same figures
    assert drafted.drafted > 0 and [e for e, _ in drafted.token_logprobs] == ends
    # a batch decode's floats differ a little from one token's (measured: 0.055 at most of 40 tokens)
    assert [lp for _, lp in drafted.token_logprobs] == pytest.approx([lp for _, lp in plain.token_logprobs], abs=0.15)


def _generate(model_path: Path, draft_text: str | None) -> tuple[str, int, float]:
    from hushcode.engine.wire import Load
    from hushcode.worker.decoder import Decoder, Limits
    from hushcode.worker.loader import load

    model, _ = load(Load(model_path=str(model_path), n_ctx=1024, threads=2))
    assert model is not None
    decoder = Decoder(model.llm, model.stop_ids, model.is_eog, stopped=lambda: False)
    decoder.evaluate_prompt(model.tokenize(PROMPT), deadline=time.monotonic() + 60)
    draft = model.tokenize(draft_text) if draft_text is not None else []
    began = time.perf_counter()
    out = decoder.generate(Limits(max_tokens=40, deadline=time.monotonic() + 60, confidence=True),
                           on_piece=lambda piece: None, draft=draft)
    return out.text, out.drafted, time.perf_counter() - began


@pytest.mark.model
def test_a_draft_changes_the_speed_not_the_output(model_path: Path) -> None:
    plain, drafted, _ = _generate(model_path, None)
    assert drafted == 0 and plain.strip()
    # a draft that is the output itself: every guess agrees
    same, drafted_same, _ = _generate(model_path, plain)
    assert same == plain
    assert drafted_same >= len(plain) // 8  # most tokens came from the draft (a token is ~4 characters)
    # a draft that differs from the output in the middle: still the greedy output
    wrong = plain[:len(plain) // 2] + " totally different text here\n" + plain[len(plain) // 2:]
    other, _, _ = _generate(model_path, wrong)
    assert other == plain
