"""One generation request in the engine process: evaluate the prompt (reusing the KV cache), generate
greedily (and the alternatives a manual trigger asks for), rank a blank line's candidates.

Runs on the engine's main thread, one request at a time; the stop flag (set by the reader thread on
`cancel`) and the deadline are checked after every prompt chunk and every token (worker/decoder.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hushcode.engine.wire import Done, Event, Generate, Progress, Token
from hushcode.worker import faults
from hushcode.worker.decoder import Decoder, Limits
from hushcode.worker.loader import Model
from hushcode.worker.ranking import RANK_FIRSTS, rank

_STOPPED = ("cancelled", "deadline")


def limits_of(request: Generate, deadline: float) -> Limits:
    """When to stop, as the request says."""
    budget_s = request.budget_ms / 1000
    return Limits(
        max_tokens=request.max_tokens, deadline=deadline, stop_at_newline=request.stop_at_newline,
        stop_texts=request.stop_texts, stop_indent=request.stop_indent,
        stop_unmatched_close=request.stop_unmatched_close, token_delay_s=faults.TOKEN_DELAY_S,
        line_budget_s=budget_s if budget_s > 0 else None,
    )


def generate(model: Model, request: Generate, stopped: Callable[[], bool], send: Callable[[Event], None]) -> Done:
    """Run `request`; its pieces and progress go to `send` as they come, the result is returned."""
    faults.before_generate()
    tokens = request.tokens
    deadline = time.monotonic() + request.timeout_ms / 1000
    limits = limits_of(request, deadline)
    decoder = Decoder(model.llm, model.stop_ids, model.is_eog, stopped)
    started = time.perf_counter()
    min_chunk = request.reuse_min_chunk if model.can_shift else 0
    evaluation = decoder.evaluate_prompt(tokens, deadline, min_chunk,
                                         on_chunk=lambda n: send(Progress(request.id, n)))
    prompt_ms = (time.perf_counter() - started) * 1000
    gen_started = time.perf_counter()
    texts: list[str] = []
    generated = ranked = 0
    reason = evaluation.interrupted or "stop"
    if evaluation.interrupted is None:
        texts, generated, reason, ranked = _continue(model, decoder, request, limits, send)
    text = texts[0] if texts else ""
    return Done(
        id=request.id, text=text, alternatives=tuple(texts) or (text,), reason=reason, prompt_tokens=len(tokens),
        reused=evaluation.reused, shifted=evaluation.shifted, evaluated=evaluation.evaluated, generated=generated,
        ranked=ranked, prompt_ms=round(prompt_ms, 2), gen_ms=round((time.perf_counter() - gen_started) * 1000, 2),
        control_tokens=sum(1 for t in tokens if t in model.marker_ids()),
    )


def _continue(model: Model, decoder: Decoder, request: Generate, limits: Limits,
              send: Callable[[Event], None]) -> tuple[list[str], int, str, int]:
    """The greedy continuation of the evaluated prompt (streamed), the alternatives, and a blank
    line's ranking: (texts, tokens generated, reason, candidates ranked)."""
    n = max(1, request.alternatives)
    spec = request.rank if n == 1 else None
    # a blank line's other candidates start from the prompt's next most likely first tokens, read
    # now, while the logits at the end of the prompt are still there (more than the two readings
    # compared, or no line of code among them: worker/ranking.py)
    ranking_firsts = decoder.first_choices(max(spec.candidates + 1, RANK_FIRSTS)) if spec else []
    firsts: list[int | None] = list(decoder.first_tokens(n)) if n > 1 else [None]
    texts: list[str] = []
    generated = 0
    reason = "stop"
    for k, first in enumerate(firsts or [None]):
        if k:
            model.llm.n_tokens = len(request.tokens)  # rewind to the end of the prompt for the next one
        stream = (lambda piece: send(Token(request.id, piece))) if k == 0 else (lambda piece: None)
        out = decoder.generate(limits, stream, first)
        texts.append(out.text)
        generated += out.generated
        reason = out.reason if k == 0 else reason
        if out.reason in _STOPPED:
            break
    if spec is None or reason in _STOPPED:
        return texts, generated, reason, 0
    ranking = rank(decoder, request.tokens, spec, limits, out, ranking_firsts, model.tokenize)
    return ranking.texts, generated + ranking.generated, reason, ranking.compared
