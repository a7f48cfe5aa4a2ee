"""The next-edit service: one rewrite of the region near the cursor, as edits of the document.

Data flow: snapshot + the document's recent hunks -> region (region.py) -> prompt texts
(prompt.py) -> tokens (engine) -> prompt ids (prompt.py) -> generate (engine) -> edits (edit.py).
The pure steps run in the completions' worker thread (completion/offload.py: tree-sitter trees
are read by one thread only); this module only orchestrates, on the event loop.

It stays out of the inline completions' way: its tokenize and generation are *speculative* work
for the engine that `waits` (engine/scheduler.py): it waits until no completion runs or waits,
stops the server's own speculative work ("as if accepted", warm-ups), never stops a completion,
and any completion request stops it. Its generations are keyed apart from the
document's completions (`#nextEdit`), and between next-edit requests of one document the newest
wins: a new request stops the older one's generation and waits for it to end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from hushcode.completion.confidence import Confidence, withheld
from hushcode.completion.offload import off_loop
from hushcode.completion.trace import elapsed_ms
from hushcode.documents.history import EditHistory, Hunk
from hushcode.documents.positions import resolve_position
from hushcode.documents.snapshot import DocumentSnapshot
from hushcode.engine.contracts import GenerateRequest, GenerateResult
from hushcode.engine.interface import CompletionEngine
from hushcode.engine.scheduler import Tickets
from hushcode.syntax.languages import parse

from .calls import repeat
from .confidence import edit_confidence
from .edit import Edit, cut_at, ends_of, propose
from .prompt import (
    NextEditTexts,
    SweepTexts,
    draft,
    draft_line,
    draft_sweep,
    implied_line,
    lay_out,
    lay_out_sweep,
    sections_separator,
    sweep_separator,
)
from .region import Region, choose_region
from .repeat import made_again

log = logging.getLogger("hushcode.nextedit")

SLACK_TOKENS = 16  # the rewrite may be longer than the region: this many tokens more, or a quarter
TIMEOUT_MS = 10000  # the default; the handler passes completion.timeout_ms
KEY = "#nextEdit"  # appended to the document's URI: the engine's key for these generations


@dataclass(frozen=True)
class Prepared:
    region: Region
    texts: NextEditTexts | SweepTexts | None  # None: no model is asked (`made`)
    line: tuple[int, int] | None = None  # the one implied line's code the model fills (offsets), if any
    # the region with the last edit's change made again, with no model (calls.py, repeat.py)
    made: str | None = None


def prepare(doc: DocumentSnapshot, offset: int, hunks: tuple[Hunk, ...], sweep: bool = False,
            sections: bool = False) -> Prepared:
    """The region and the prompt's texts (pure: runs in the worker thread): for a Sweep next-edit
    model, its own prompt over the region (prompt.draft_sweep). Else, with no model (`made`): a
    sibling call gets the changed call's change (calls.py), or the places of the region that still
    hold what the last edit changed get the same change (repeat.py: a rename's uses, the same
    call or expression written again). Else the model fills the line the last edit implies (a
    renamed name's use or a sibling call, nearest the cursor) as one line, or rewrites the
    region: in Sweep's file sections when the model's vocabulary has them (`sections`: Qwen's
    <|file_sep|>), else in a fill-in-the-middle over the region."""
    text = doc.text
    tree = parse(doc.language, text) if doc.language is not None else None
    region = choose_region(text, offset, doc.language, hunks[-1] if hunks else None, tree)
    if sweep:
        return Prepared(region, draft_sweep(text, region, hunks, doc.relative_path))
    cursor_line = text.count("\n", 0, offset)
    line = min(region.implied, key=lambda n: abs(n - cursor_line)) if region.implied else None
    sibling = next((c for c in region.siblings if c.line == line), None)
    if region.call is not None and sibling is not None and (made := repeat(text, region.call, sibling)) is not None:
        start, end, new = made  # a sibling call gets the changed call's change (calls.py)
        return Prepared(region, None, made=text[region.start:start] + new + text[end:region.end])
    if hunks and (again := made_again(text, region.start, region.end, hunks[-1], tree, doc.language)) is not None:
        return Prepared(region, None, made=again)
    if line is not None:
        code = implied_line(text, line)
        return Prepared(region, draft_line(text, code, hunks, doc.relative_path, doc.language), code)
    if sections:
        return Prepared(region, draft_sweep(doc.text, region, hunks, doc.relative_path, unchanged_original=False))
    return Prepared(region, draft(doc.text, region, hunks, doc.relative_path, doc.language))


def rewrite_of(text: str, prepared: Prepared, generated: str) -> str:
    """The region as the model would have it: its whole rewrite, or the region with the implied
    line's code replaced by the model's line."""
    if prepared.line is None:
        return generated
    start, end = prepared.line
    region = prepared.region
    return text[region.start:start] + generated.split("\n", 1)[0].rstrip() + text[end:region.end]


def max_tokens(region_tokens: int) -> int:
    """The generation's budget: the region's size in tokens, and some slack for a longer rewrite."""
    return region_tokens + max(SLACK_TOKENS, region_tokens // 4)


def _figures(result: GenerateResult | None) -> str:
    """The engine's figures of a generation, for the log line (no source code)."""
    if result is None:
        return ""
    return (f" prompt={result.prompt_tokens} evaluated={result.evaluated} prompt_ms={result.prompt_ms:.0f}"
            f" generated={result.generated} drafted={result.drafted} gen_ms={result.gen_ms:.0f} stop={result.reason}")


class NextEditService:
    """Turns a cursor in a document into the edits the model suggests near it (often none)."""

    def __init__(self, history: EditHistory) -> None:
        self.history = history
        self.tickets = Tickets()
        self._generating: dict[str, asyncio.Task[GenerateResult | None]] = {}

    async def suggest(self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
                      engine: CompletionEngine | None, request_id: object = "",
                      timeout_ms: int = TIMEOUT_MS, min_confidence: int = 0) -> list[Edit]:
        """The edits for this cursor (offsets into `doc.text`); empty for an invalid position, no
        engine, a newer request, an answer the filters drop, or a model's edit written with less
        than `min_confidence` percent per token (confidence.py). Never raises for bad input."""
        uri = doc.uri
        ticket = self.tickets.take(uri)
        if (older := self._generating.get(uri)) is not None:
            older.cancel()  # its answer is moot: the newest request wins
        started = time.perf_counter()
        generation: list[GenerateResult] = []  # the engine's figures, for the log line
        judged: list[Confidence] = []  # the model's confidence in its edit, for the log line
        try:
            edits, result = await self._run(doc, line, character, encoding, engine, ticket, timeout_ms, generation,
                                            judged, min_confidence)
        finally:
            self.tickets.release(uri, ticket)
        sure = f" confidence={judged[-1].percent:.1f} min_lp={judged[-1].lowest:.2f}" if judged else ""
        log.info("next_edit req=%s doc=%s result=%s edits=%d total_ms=%.1f%s%s", request_id, doc.name, result,
                 len(edits), elapsed_ms(started, 1), _figures(generation[-1] if generation else None), sure)
        return edits

    async def _run(self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
                   engine: CompletionEngine | None, ticket: int, timeout_ms: int,
                   generation: list[GenerateResult], judged: list[Confidence],
                   min_confidence: int) -> tuple[list[Edit], str]:
        uri = doc.uri
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            return [], "invalid_position"
        model = engine.model if engine is not None else None
        if engine is None or model is None:
            return [], "no_engine"
        hunks = self.history.hunks(uri)
        sweep = sweep_separator(model.name, model.markers.template, model.repo.file_sep) is not None
        file_sep = sections_separator(model.markers.template, model.repo.file_sep)
        prepared = await off_loop(prepare, doc, cursor.offset, hunks, sweep, file_sep is not None)
        if not self.tickets.newest(uri, ticket):
            return [], "superseded"
        if prepared.made is not None:  # the last edit's change, made again as it is (calls.py, repeat.py)
            proposal = await off_loop(propose, doc.text, prepared.region, prepared.made, hunks[-1] if hunks else None,
                                      doc.language)
            return list(proposal.edits), proposal.dropped or "repeated"
        assert prepared.texts is not None  # only a `made` answer has no prompt
        parts = await engine.tokenize(prepared.texts.texts(), speculative=True)
        if parts is None:
            return [], "engine_unavailable"
        if isinstance(prepared.texts, SweepTexts) and file_sep is not None:  # file sections (prompt.py)
            tokens = lay_out_sweep(parts, file_sep, model.bos)
        else:
            tokens = await off_loop(lay_out, parts, model.markers, model.bos)
        budget = max_tokens(len(parts[-1]))
        if len(tokens) + budget > model.n_ctx:
            return [], "too_long"
        one_line = prepared.line is not None
        # a rewrite of the region that goes on copying the file after it is stopped there (edit.py)
        ends = () if one_line else ends_of(doc.text, prepared.region)
        # the region as it is is the draft: the rewrite mostly copies it (worker/copy_ahead.py)
        request = GenerateRequest(tokens=tokens, document=uri + KEY, max_tokens=budget, stop_at_newline=one_line,
                                  stop_texts=ends, draft=tuple(parts[-1]), token_logprobs=True,
                                  speculative=True, waits=True, timeout_ms=timeout_ms)
        result = await self._generate(uri, ticket, engine, request)
        if result is None or not self.tickets.newest(uri, ticket):
            return [], "superseded_or_yielded"
        generation.append(result)
        finished = ("stop", "newline") if one_line else ("stop", "stop_text")
        if result.reason not in finished:
            return [], f"unfinished_{result.reason}"  # cut short (length, deadline, cancelled): not all of it
        generated = cut_at(result.text, ends)
        proposal = await off_loop(propose, doc.text, prepared.region, rewrite_of(doc.text, prepared, generated),
                                  hunks[-1] if hunks else None, doc.language)
        if proposal.dropped:
            return [], proposal.dropped
        generated_at = prepared.line[0] - prepared.region.start if prepared.line is not None else 0
        sure = edit_confidence(result.token_logprobs, generated_at, proposal.edits, prepared.region.start)
        if sure is not None:
            judged.append(sure)
        if withheld(sure, min_confidence) is not None:
            return [], "low_confidence"
        return list(proposal.edits), "ok"

    async def _generate(self, uri: str, ticket: int, engine: CompletionEngine,
                        request: GenerateRequest) -> GenerateResult | None:
        """Generate once the older request's generation has ended; None when this request was
        superseded meanwhile (its generation is stopped) or the engine yielded."""
        while (older := self._generating.get(uri)) is not None and not older.done():
            await asyncio.wait({older})
        if not self.tickets.newest(uri, ticket):
            return None
        task = asyncio.ensure_future(engine.generate(request))
        self._generating[uri] = task
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # this request itself was cancelled ($/cancelRequest)
            return None  # a newer request stopped this generation
        finally:
            if self._generating.get(uri) is task:
                del self._generating[uri]

    def forget(self, uri: str) -> None:
        """The document was closed."""
        if (task := self._generating.pop(uri, None)) is not None:
            task.cancel()
        self.tickets.forget(uri)
