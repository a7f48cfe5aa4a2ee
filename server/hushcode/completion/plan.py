"""What one cursor asks of the engine, and how its answer is read. Pure: no I/O, no asyncio.

From a document snapshot, the cursor and the settings of the request (`Ask`): the decision
(skip, one line or a block), the suffix budget; then, with the prompt's tokens and the model's
facts, the `GenerateRequest` (stop rules, budgets, and on a blank line the `RankRequest` that asks
the engine to keep the prompt for the ranking, with the ranking's task) and the context that post-processing reads; last, the
cleanup of the model's texts. The service runs these steps in a worker thread: the tree-sitter
parses behind them never hold up the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.completion.ranking import RANK_FIRSTS, BlankLineTask, blank_line_task
from hushcode.config.settings import CompletionSettings
from hushcode.documents.positions import TextPosition
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult, LoadedModel, RankRequest
from hushcode.engine.interface import Capabilities
from hushcode.postprocess.candidate import CompletionContext, Filter
from hushcode.postprocess.pipeline import postprocess
from hushcode.prompt.healing import restore
from hushcode.syntax.decide import Decision, Scope, decide
from hushcode.worker.kv_reuse import plan_reuse

_CHAT_END = "<|im_end|>"  # a chat answer's end, a stop text for the cleanup in every format


@dataclass(frozen=True)
class Suggestion:
    text: str  # inserted at the cursor...
    replace_end: int = 0  # ...replacing this many characters after it (auto-closed brackets)


@dataclass(frozen=True)
class Ask:
    """One request, decided: what the pure steps after the prompt read."""

    doc: DocumentSnapshot
    cursor: TextPosition
    decision: Decision
    settings: CompletionSettings  # as they were when the request arrived
    alternatives: int = 1  # >1: a manual trigger's choices
    speculative: bool = False  # background work ("as if accepted")


@dataclass(frozen=True)
class Planned:
    """What to send, and what post-processing reads of the document."""

    request: GenerateRequest
    cleanup: CompletionContext
    ranking: BlankLineTask | None = None  # a blank line's ranking, which the service runs with the engine


def decide_at(doc: DocumentSnapshot, cursor: TextPosition) -> Decision:
    """Skip, one line or a block, for this cursor (syntax/decide.py)."""
    return decide(doc.text, cursor.offset, cursor.line_start, cursor.line_end, doc.language)


@dataclass(frozen=True)
class Indented:
    """A blank line's one indentation, not typed (yet): the request runs on the document as if it
    were, and each suggestion brings it (`added`), so accepting it gives correctly indented code."""

    doc: DocumentSnapshot
    cursor: TextPosition
    decision: Decision  # decided again there
    added: str


def indented(doc: DocumentSnapshot, cursor: TextPosition, decision: Decision) -> Indented | None:
    """Where the code around a blank line gives it one indentation (syntax/indentation.py) and the
    user has typed less of it (a formatter strips blank lines: the cursor is at column 0), the
    document with the rest typed; None elsewhere."""
    if len(decision.indents) != 1 or doc.text[cursor.offset:cursor.line_end].strip():
        return None
    typed, need = doc.text[cursor.line_start:cursor.offset], decision.indents[0]
    if len(typed) >= len(need) or not need.startswith(typed):
        return None
    added = need[len(typed):]
    text = doc.text[:cursor.offset] + added + doc.text[cursor.offset:]
    moved = TextPosition(cursor.offset + len(added), cursor.line_start, cursor.line_end + len(added))
    shifted = doc.with_text(text)
    return Indented(shifted, moved, decide_at(shifted, moved), added)


def suffix_budget(cfg: CompletionSettings, decision: Decision) -> int | None:
    """Within a line, what follows the line matters little to finishing it, and every token of
    the suffix is evaluated again at each keystroke: a shorter suffix there (None: the usual)."""
    return cfg.line_suffix_tokens if decision.scope is Scope.LINE and cfg.line_suffix_tokens > 0 else None


def is_cold(cached: Sequence[int], tokens: list[int], cfg: CompletionSettings) -> bool:
    """Would this prompt evaluate more than `completion.cold_prompt_tokens` new tokens, after the
    prompt the engine's KV cache holds (`cached`)? Then the short prompt answers (for an engine
    whose cost is prompt evaluation: the local engine on a CPU)."""
    if cfg.cold_prompt_tokens <= 0:
        return False
    return len(tokens) - plan_reuse(cached, tokens, cfg.reuse_chunk_tokens).evaluate_from > cfg.cold_prompt_tokens


def plan(ask: Ask, tokens: list[int], held: str, fmt: str, model: LoadedModel, capabilities: Capabilities) -> Planned:
    """The generation to ask for `tokens` (a prompt in format `fmt` that held `held` back), and
    the context its texts are cleaned up in."""
    cfg, decision, language = ask.settings, ask.decision, ask.doc.language
    scope = decision.scope
    ranked = ranking(ask, tokens, held, fmt, model, capabilities)
    request = GenerateRequest(
        tokens=tokens, document=ask.doc.uri, speculative=ask.speculative,
        max_tokens=cfg.max_line_tokens if scope is Scope.LINE else cfg.max_tokens,
        stop_at_newline=scope is Scope.LINE,
        stop_texts=("\n\n\n",) if scope is Scope.BLOCK else (),
        stop_indent=decision.min_indent if scope is Scope.BLOCK else None,
        stop_unmatched_close=scope is Scope.BLOCK and language is not None and not language.indentation_scoped,
        alternatives=ask.alternatives, reuse_min_chunk=cfg.reuse_chunk_tokens, timeout_ms=cfg.timeout_ms,
        # typing (not a manual trigger, not background work): show the first lines fast
        budget_ms=cfg.first_suggestion_ms if scope is Scope.BLOCK and ask.alternatives == 1 and not ask.speculative
        else 0,
        rank=ranked[0] if ranked else None,
    )
    text, offset = ask.doc.text, ask.cursor.offset
    cleanup = CompletionContext(prefix=text[:offset], suffix=text[offset:], decision=decision, language=language,
                                stop_texts=model.markers.marker_texts + (_CHAT_END,), chat=fmt == "chat")
    return Planned(request, cleanup, ranked[1] if ranked else None)


def ranking(ask: Ask, tokens: list[int], held: str, fmt: str, model: LoadedModel,
            capabilities: Capabilities) -> tuple[RankRequest, BlankLineTask] | None:
    """Rank a blank line's candidates (completion/ranking/): a blank line (the first line of an
    empty body included: the HumanEval study found the left-to-right line right there as often as
    between statements), a prompt whose start, up to the suffix marker, is the prefix read left to
    right (PSM and the repository format; not SPM, typed-after-middle or chat), one suggestion, an
    engine that answers a ranking. What the engine keeps for it, and the task the ranking runs."""
    cfg = ask.settings
    candidates = cfg.blank_line_candidates
    if candidates < 1 or ask.decision.reason != "empty_line" or ask.alternatives != 1 or not capabilities.ranking \
            or fmt not in ("psm", "repo") or model.markers.order != "psm" or model.markers.suffix not in tokens:
        return None
    context = tokens.index(model.markers.suffix)
    if context < 1:
        return None
    task = blank_line_task(ask.doc.text, ask.cursor.offset, ask.cursor.line_start, ask.doc.language, held,
                           candidates, cfg.blank_line_return, model.markers.end_of_text)
    return RankRequest(context=context, firsts=max(candidates + 1, RANK_FIRSTS)), task


def clean(ctx: CompletionContext, raws: Sequence[str], held: str, filters: tuple[Filter, ...]) -> list[Suggestion]:
    """The model's texts through post-processing: the distinct survivors, in order."""
    found: list[Suggestion] = []
    for raw in raws:
        candidate = postprocess(ctx, restore(raw, held), filters)
        if candidate is not None and all(candidate.text != s.text for s in found):
            found.append(Suggestion(text=candidate.text, replace_end=candidate.replace_end))
    return found


def first_clean(ctx: CompletionContext, result: GenerateResult, held: str,
                filters: tuple[Filter, ...]) -> tuple[tuple[str, ...], list[Suggestion]]:
    """A generation's texts (a ranked blank line's come best first) and the first that survives
    the cleanup (one suggestion unless alternatives are asked for afterwards)."""
    raws = result.alternatives or (result.text,)
    return raws, clean(ctx, raws, held, filters)[:1]
