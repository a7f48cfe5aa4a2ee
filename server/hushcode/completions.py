"""The completion service: one suggestion for one cursor, end to end.

Data flow: snapshot -> decide scope -> prompt text -> tokens (engine) -> token layout
-> generate (engine) -> cleanup -> suggestion. Pure steps live in syntax/, prompt/ and
postprocess/; this module only wires them together, measures each stage and logs one
line per request, without source code.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from hushcode.config.settings import Settings
from hushcode.documents.positions import resolve_position
from hushcode.engine.supervisor import EngineSupervisor, GenerateRequest, GenerateResult
from hushcode.postprocess.candidate import CompletionContext
from hushcode.postprocess.pipeline import postprocess
from hushcode.prompt.layout import Budget, build_fim_tokens, fit_budget, split_around_cursor
from hushcode.syntax.decide import Scope, decide
from hushcode.syntax.languages import detect_language

log = logging.getLogger("hushcode.completion")


@dataclass(frozen=True)
class DocumentSnapshot:
    """An immutable copy of a document, taken on the event loop when a request arrives."""

    uri: str
    version: int | None
    text: str
    language_id: str | None = None


@dataclass(frozen=True)
class Suggestion:
    text: str  # inserted at the cursor...
    replace_end: int = 0  # ...replacing this many characters after it (auto-closed brackets)


@dataclass
class CompletionStats:
    """The last completion's figures, for the status bar and tests."""

    requests: int = 0
    answered: int = 0
    last: dict[str, float | int | str] = field(default_factory=dict)


class CompletionService:
    """Turns a cursor in a document into at most one suggestion."""

    def __init__(self, settings: Settings, engine: EngineSupervisor | None) -> None:
        self.settings = settings
        self.engine = engine
        self.stats = CompletionStats()

    async def suggest(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str, request_id: object
    ) -> Suggestion | None:
        """The suggestion for this cursor, or None (never raises for bad input)."""
        started = time.perf_counter()
        self.stats.requests += 1
        name = PurePosixPath(doc.uri).name
        fields: dict[str, float | int | str] = {"req": str(request_id), "doc": name}
        try:
            return await self._suggest(doc, line, character, encoding, fields)
        finally:
            fields["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.stats.last = fields
            log.info("complete %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    async def _suggest(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str, fields: dict[str, float | int | str]
    ) -> Suggestion | None:
        cfg = self.settings.completion
        if not cfg.enabled:
            fields["result"] = "disabled"
            return None
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            fields["result"] = "invalid_position"
            return None
        language = detect_language(doc.language_id, doc.uri)
        t_decide = time.perf_counter()
        decision = decide(doc.text, cursor.offset, cursor.line_start, cursor.line_end, language)
        fields["decide_ms"] = round((time.perf_counter() - t_decide) * 1000, 2)
        scope = decision.scope
        fields["scope"] = scope.value
        if scope is Scope.SKIP:
            fields["result"] = f"skip_{decision.reason}"
            return None
        engine = self.engine
        if engine is None or engine.model is None:
            fields["result"] = "no_engine"
            return None

        t0 = time.perf_counter()
        window = split_around_cursor(doc.text, cursor.offset, cfg.prefix_lines, cfg.suffix_lines)
        parts = await engine.tokenize([window.prefix, window.suffix])
        fields["tokenize_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        if parts is None:
            fields["result"] = "engine_unavailable"
            return None
        model = engine.model
        prefix, suffix = fit_budget(parts[0], parts[1], Budget(cfg.prefix_tokens, cfg.suffix_tokens))
        tokens = build_fim_tokens(model.markers, prefix, suffix, bos=model.bos)

        result = await engine.generate(GenerateRequest(
            tokens=tokens, document=doc.uri,
            max_tokens=cfg.max_line_tokens if scope is Scope.LINE else cfg.max_tokens,
            stop_at_newline=scope is Scope.LINE,
            stop_texts=("\n\n\n",) if scope is Scope.BLOCK else (),
            stop_indent=decision.min_indent if scope is Scope.BLOCK else None,
            stop_unmatched_close=scope is Scope.BLOCK and language is not None and not language.indentation_scoped,
            timeout_ms=cfg.timeout_ms,
        ))
        if result is None:
            fields["result"] = "cancelled_or_unavailable"
            return None
        self._record(result, fields)
        t1 = time.perf_counter()
        ctx = CompletionContext(prefix=doc.text[:cursor.offset], suffix=doc.text[cursor.offset:], decision=decision,
                                language=language, stop_texts=model.markers.marker_texts)
        candidate = postprocess(ctx, result.text)
        fields["post_ms"] = round((time.perf_counter() - t1) * 1000, 2)
        if candidate is None:
            fields["result"] = "empty"
            return None
        self.stats.answered += 1
        fields["result"] = "ok"
        fields["chars"] = len(candidate.text)
        return Suggestion(text=candidate.text, replace_end=candidate.replace_end)

    @staticmethod
    def _record(result: GenerateResult, fields: dict[str, float | int | str]) -> None:
        fields.update(
            prompt=result.prompt_tokens, reused=result.reused, evaluated=result.evaluated,
            generated=result.generated, control=result.control_tokens, stop=result.reason,
            prompt_ms=result.prompt_ms, gen_ms=result.gen_ms,
        )
