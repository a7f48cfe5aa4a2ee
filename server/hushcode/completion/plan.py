"""What one cursor asks of the engine, and how its answer is read. Pure: no I/O, no asyncio.

From a document snapshot, the cursor and the settings of the request (`Ask`): the decision
(skip, one line or a block), the suffix budget; then, with the prompt's tokens and the model's
facts, the `GenerateRequest` (stop rules, budgets, and on a blank line the `RankSpec` that asks
the engine to rank candidate lines) and the context that post-processing reads; last, the
cleanup of the model's texts. The service runs these steps in a worker thread: the tree-sitter
parses behind them never hold up the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hushcode.completion.ranking.task import AFTER_LINES, READ_LINES, lines_below
from hushcode.config.settings import CompletionSettings
from hushcode.documents.positions import TextPosition
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, LoadedModel, RankSpec
from hushcode.engine.interface import Capabilities
from hushcode.postprocess.candidate import CompletionContext, Filter
from hushcode.postprocess.pipeline import postprocess
from hushcode.prompt.healing import restore
from hushcode.syntax.decide import Decision, Scope, decide, indent_width
from hushcode.syntax.python.early_reads import assigned_below
from hushcode.syntax.python.result import lacks_result
from hushcode.syntax.python.unbound import unbound_below
from hushcode.worker.kv_reuse import plan_reuse

_RANK_UNBOUND = 2  # names read below and defined nowhere before, that a blank line's candidates may define
_RANK_LATER = 32  # locals assigned only below that a blank line's candidates may not read (each is a regex per line)
# the lines below a blank line that its candidates are ranked on: completion/ranking/task.py's
# AFTER_LINES, at most this many of their characters (a minified line is not scored whole); where
# the code below lacks a definition, down to where it reads it (READ_LINES), and this many
_RANK_AFTER_CHARS = 300
_RANK_READ_CHARS = 600
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


def decide_at(doc: DocumentSnapshot, cursor: TextPosition) -> Decision:
    """Skip, one line or a block, for this cursor (syntax/decide.py)."""
    return decide(doc.text, cursor.offset, cursor.line_start, cursor.line_end, doc.language)


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
        rank=rank_spec(ask, tokens, held, fmt, model, capabilities),
    )
    text, offset = ask.doc.text, ask.cursor.offset
    cleanup = CompletionContext(prefix=text[:offset], suffix=text[offset:], decision=decision, language=language,
                                stop_texts=model.markers.marker_texts + (_CHAT_END,), chat=fmt == "chat")
    return Planned(request, cleanup)


def rank_spec(ask: Ask, tokens: list[int], held: str, fmt: str, model: LoadedModel,
              capabilities: Capabilities) -> RankSpec | None:
    """Ask the engine to rank a blank line's candidates (worker/ranking.py): a blank line (the first
    line of an empty body included: the HumanEval study found the left-to-right line right there
    as often as between statements), a prompt whose start, up to the suffix marker, is the prefix
    read left to right (PSM and the repository format; not SPM, typed-after-middle or chat), one
    suggestion, an engine that ranks. With the language: its line comment (comments are not
    compared with code), and, where blocks end by dedent and the next line of code is a statement
    of the cursor's block, how a block header ends (a header alone there would have no body)."""
    cfg = ask.settings
    candidates = cfg.blank_line_candidates
    if candidates < 1 or ask.decision.reason != "empty_line" or ask.alternatives != 1 or not capabilities.ranking \
            or fmt not in ("psm", "repo") or model.markers.order != "psm" or model.markers.suffix not in tokens:
        return None
    text, cursor, line_start, language = ask.doc.text, ask.cursor.offset, ask.cursor.line_start, ask.doc.language
    # what the code below reads and nothing before the cursor defines (syntax/python/)
    unbound = unbound_below(text, cursor, language)[:_RANK_UNBOUND]
    # the lines its candidates must lead into, read only here (a blank line, ranking on); where
    # the code below lacks a definition, down to where it reads the names (their use tells
    # `total = 0` from `total = []`), within limits
    row = text.count("\n", 0, cursor) if unbound else 0
    count = min(max([AFTER_LINES, *(u.row - row for u in unbound)]), READ_LINES)
    lines, ends = lines_below(text, cursor, count)
    below = lines[:_RANK_AFTER_CHARS if count == AFTER_LINES else _RANK_READ_CHARS]
    # after the line's indentation, a candidate's own leading whitespace is not shown (the cleanup
    # drops it): the candidates are compared as shown, starting with the space the prompt held back
    indented = line_start < cursor and text[cursor - 1] in " \t"
    next_code = next((ln for ln in lines.split("\n") if ln.strip()), None)
    same_block = next_code is not None and indent_width(next_code) == indent_width(text[line_start:cursor])
    # where the document ends below, the end-of-text token follows the lines below
    ends = ends and len(below) == len(lines)
    return RankSpec(
        candidates=candidates, context=tokens.index(model.markers.suffix), below=below,
        end_of_text=model.markers.end_of_text if ends else None, lead=held if indented else None,
        comment=language.line_comment if language else None,
        header=language.header_end if language and same_block else None,
        # a line that jumps away (`return`, `break`) would leave the code below unreachable
        jumps=tuple(sorted({kind.split("_")[0] for kind in language.jumps})) if language and same_block else (),
        define=tuple(u.name for u in unbound if not u.module), imports=tuple(u.name for u in unbound if u.module),
        result=cfg.blank_line_return and lacks_result(text, cursor, language),
        # locals the function assigns only below: a line reading one raises UnboundLocalError
        later=tuple(assigned_below(text, cursor, language)[:_RANK_LATER]),
        # the literal the code below first compares such a name with: its likeliest value
        values=tuple((u.name, u.value) for u in unbound if u.value is not None and not u.module))


def clean(ctx: CompletionContext, raws: Sequence[str], held: str, filters: tuple[Filter, ...]) -> list[Suggestion]:
    """The model's texts through post-processing: the distinct survivors, in order."""
    found: list[Suggestion] = []
    for raw in raws:
        candidate = postprocess(ctx, restore(raw, held), filters)
        if candidate is not None and all(candidate.text != s.text for s in found):
            found.append(Suggestion(text=candidate.text, replace_end=candidate.replace_end))
    return found
