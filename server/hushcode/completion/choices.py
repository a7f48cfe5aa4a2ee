"""The model's other choices from the prompt of one request, beside its first.

Two places ask for them: when the cleanup rejects the model's first choice (it repeats the next
line, breaks the parse...), its next choices rather than nothing; and a manual trigger, whose first
item is the automatic answer and whose other choices follow. Either way they are the lines the
prompt's next likeliest first tokens start: the prompt is in the engine's KV cache, so they cost
only their own tokens. Only an engine with `capabilities.alternatives` computes them (a shared
server answers one text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hushcode.completion.offload import off_loop
from hushcode.completion.plan import Suggestion, clean
from hushcode.engine.contracts import GenerateRequest
from hushcode.engine.interface import CompletionEngine
from hushcode.postprocess.candidate import CompletionContext, Filter

FALLBACK = 3  # the choices asked for when the cleanup rejects the first


@dataclass(frozen=True)
class Choices:
    """What asking again gave: the suggestions, the model's texts, and the time it took."""

    found: list[Suggestion]
    raws: tuple[str, ...]
    gen_ms: float


async def fallback(engine: CompletionEngine, request: GenerateRequest, cleanup: CompletionContext, rejected: str,
                   held: str, filters: tuple[Filter, ...]) -> Choices | None:
    """The next choices after the rejected first one, cleaned (the first survivor is shown). A
    block keeps the first-suggestion budget, so each choice stops at a line end soon."""
    retry = await engine.generate(replace(request, alternatives=FALLBACK))
    if retry is None:
        return None
    others = tuple(text for text in retry.alternatives if text != rejected)
    return Choices(await off_loop(clean, cleanup, others, held, filters), others, retry.gen_ms)


async def more(engine: CompletionEngine, request: GenerateRequest, cleanup: CompletionContext,
               first: list[Suggestion], known: tuple[str, ...], wanted: int, held: str,
               filters: tuple[Filter, ...], budget_ms: int) -> Choices:
    """A manual trigger's other choices after its first item: up to `wanted` suggestions in all,
    each cleaned, from what the engine wrote within `budget_ms` (`completion.alternativesMs`);
    a choice not done by then is not shown."""
    answer = await engine.generate(replace(request, alternatives=wanted, skip_greedy=True, rank=None, budget_ms=0,
                                           timeout_ms=budget_ms))
    if answer is None:
        return Choices(first, (), 0.0)
    others = tuple(text for text in answer.alternatives if text.strip() and text not in known)
    found = list(first)
    for suggestion in await off_loop(clean, cleanup, others, held, filters):
        if all(suggestion.text != shown.text for shown in found):
            found.append(suggestion)
    return Choices(found[:wanted], others, answer.gen_ms)
