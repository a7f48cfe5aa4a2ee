"""The KV-cache reuse planner: prefix, shifted chunk, nothing reusable."""

from __future__ import annotations

from hushcode.worker.kv_reuse import Move, plan_reuse


def test_prefix_reuse_when_typing_appends() -> None:
    cached = list(range(100))
    prompt = list(range(100)) + [500, 501]
    plan = plan_reuse(cached, prompt, min_chunk=16)
    assert plan.keep == 100 and plan.moves == () and plan.evaluate_from == 100
    assert plan.reused == 100 and len(prompt) - plan.evaluate_from == 2


def test_identical_prompt_still_decodes_its_last_token() -> None:
    plan = plan_reuse(list(range(50)), list(range(50)), min_chunk=16)
    assert plan.keep == 49 and plan.evaluate_from == 49


def test_chunk_shifted_left_when_text_before_it_was_removed() -> None:
    # the prefix window moved on: tokens 10..29 dropped, the rest moved 20 positions left
    cached = list(range(200))
    prompt = list(range(10)) + list(range(30, 200)) + [900]
    plan = plan_reuse(cached, prompt, min_chunk=16)
    assert plan.keep == 10
    assert plan.moves == (Move(src=30, dst=10, length=170),)
    assert plan.evaluate_from == 180 and plan.shifted == 170 and plan.reused == 180


def test_several_chunks_in_order() -> None:
    a, b, c = list(range(40)), list(range(100, 140)), list(range(200, 240))
    cached = a + [7] * 5 + b + [8] * 5 + c
    prompt = a + b + c + [999]
    plan = plan_reuse(cached, prompt, min_chunk=16)
    assert plan.keep == 40
    assert [(m.src, m.dst, m.length) for m in plan.moves] == [(45, 40, 40), (90, 80, 40)]
    assert plan.evaluate_from == 120


def test_new_tokens_end_reuse() -> None:
    # a token that is new breaks the chain: what follows it cannot be shifted right
    cached = list(range(100))
    prompt = list(range(50)) + [999] + list(range(50, 100))
    plan = plan_reuse(cached, prompt, min_chunk=16)
    assert plan.keep == 50 and plan.moves == () and plan.evaluate_from == 50


def test_nothing_reusable() -> None:
    plan = plan_reuse(list(range(100)), list(range(1000, 1050)), min_chunk=16)
    assert plan.reused == 0 and plan.evaluate_from == 0


def test_short_chunks_are_not_worth_shifting() -> None:
    cached = list(range(30))
    prompt = [0, 1] + list(range(10, 20)) + [777]
    plan = plan_reuse(cached, prompt, min_chunk=16)
    assert plan.moves == () and plan.evaluate_from == 2


def test_chunk_reuse_off() -> None:
    cached = list(range(200))
    prompt = list(range(10)) + list(range(30, 200))
    assert plan_reuse(cached, prompt, min_chunk=0).evaluate_from == 10


def test_empty_cache_and_prompt() -> None:
    assert plan_reuse([], [1, 2, 3]).evaluate_from == 0
    assert plan_reuse([1, 2], []).evaluate_from == 0
