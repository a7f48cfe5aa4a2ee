"""One generation request in the engine process: evaluate the prompt (reusing the KV cache), generate
greedily (and the alternatives a manual trigger asks for); for a blank line to rank, read the FIM
prompt's likeliest first tokens first and keep the prompt for the server's questions after
(worker/candidates.py).

Runs on the engine's main thread, one request at a time; the stop flag (set by the reader thread on
`cancel`) and the deadline are checked after every prompt chunk and every token (worker/decoder.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from hushcode.engine.contracts import FirstToken
from hushcode.engine.wire import Done, Event, Generate, Progress, Token
from hushcode.worker import faults
from hushcode.worker.candidates import DecoderCandidates
from hushcode.worker.decoder import Decoder, Limits, Output
from hushcode.worker.loader import Model

_STOPPED = ("cancelled", "deadline")


def limits_of(request: Generate, deadline: float) -> Limits:
    """When to stop, as the request says."""
    budget_s = request.budget_ms / 1000
    return Limits(
        max_tokens=request.max_tokens, deadline=deadline, stop_at_newline=request.stop_at_newline,
        stop_texts=request.stop_texts, stop_indent=request.stop_indent,
        stop_unmatched_close=request.stop_unmatched_close, token_delay_s=faults.TOKEN_DELAY_S,
        line_budget_s=budget_s if budget_s > 0 else None, confidence=True, every_logprob=request.token_logprobs,
    )


def generate(model: Model, request: Generate, stopped: Callable[[], bool],
             send: Callable[[Event], None]) -> tuple[Done, DecoderCandidates | None]:
    """Run `request`; its pieces and progress go to `send` as they come, the result is returned,
    with the candidates of a blank line to rank (None: no ranking, or it was cut short)."""
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
    generated = 0
    reason = evaluation.interrupted or "stop"
    firsts: tuple[FirstToken, ...] = ()
    out: Output | None = None
    if evaluation.interrupted is None:
        texts, generated, reason, firsts, out = _continue(model, decoder, request, limits, send)
    text = texts[0] if texts else ""
    done = Done(
        id=request.id, text=text, alternatives=tuple(texts) or (text,), reason=reason, prompt_tokens=len(tokens),
        reused=evaluation.reused, shifted=evaluation.shifted, evaluated=evaluation.evaluated, generated=generated,
        prompt_ms=round(prompt_ms, 2), gen_ms=round((time.perf_counter() - gen_started) * 1000, 2),
        control_tokens=sum(1 for t in tokens if t in model.marker_ids()),
        first_token=out.first_token if out is not None else None, firsts=firsts,
        first_line_logprobs=tuple(round(lp, 3) for lp in out.first_line_logprobs) if out is not None else (),
        drafted=out.drafted if out is not None else 0,
        token_logprobs=tuple((end, round(lp, 3)) for end, lp in out.token_logprobs) if out is not None else (),
    )
    ranked = request.rank is not None and request.alternatives <= 1 and out is not None and reason not in _STOPPED
    candidates = DecoderCandidates(decoder, tokens, request.rank.context, limits, model.tokenize) \
        if ranked and request.rank is not None else None
    return done, candidates


def _continue(model: Model, decoder: Decoder, request: Generate, limits: Limits, send: Callable[[Event], None],
              ) -> tuple[list[str], int, str, tuple[FirstToken, ...], Output]:
    """The greedy continuation of the evaluated prompt (streamed) and the alternatives: (texts,
    tokens generated, reason, the first tokens a ranking starts other candidates from, the greedy
    output)."""
    n = max(1, request.alternatives)
    rank = request.rank if n == 1 else None
    # a blank line's other candidates start from the prompt's next most likely first tokens, read
    # now, while the logits at the end of the prompt are still there (completion/ranking/)
    ranking_firsts = tuple(FirstToken(token, decoder.piece(token))
                           for token, _ in decoder.first_choices(rank.firsts)) if rank else ()
    # the next likeliest first tokens start the others; with `skip_greedy`, only the others
    firsts: list[int | None] = [None]
    if request.skip_greedy:
        firsts = [*decoder.first_tokens(n + 1)[1:]]
    elif n > 1:
        firsts = [*decoder.first_tokens(n)]
    texts: list[str] = []
    generated = 0
    reason = "stop"
    greedy: Output | None = None
    for k, first in enumerate(firsts or [None]):
        if k:
            model.llm.n_tokens = len(request.tokens)  # rewind to the end of the prompt for the next one
        stream = (lambda piece: send(Token(request.id, piece))) if k == 0 else (lambda piece: None)
        out = decoder.generate(limits, stream, first, request.draft if k == 0 else ())
        greedy = greedy or out
        if out.reason in _STOPPED and (k or request.skip_greedy):
            break  # another choice cut short by the deadline is not one
        texts.append(out.text)
        generated += out.generated
        reason = out.reason if k == 0 else reason
        if out.reason in _STOPPED:
            break
    assert greedy is not None
    return texts, generated, reason, ranking_firsts, greedy
