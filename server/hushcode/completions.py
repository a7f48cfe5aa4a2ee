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
from hushcode.prompt.formats import choose_format
from hushcode.prompt.layout import Budget, PromptPieces, build_prompt, fit_budget, split_around_cursor
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
    repo_name: str = "workspace"  # for the repository prompt format
    relative_path: str = ""

    def __post_init__(self) -> None:
        if not self.relative_path:
            object.__setattr__(self, "relative_path", PurePosixPath(self.uri).name)


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
        found = await self.suggest_all(doc, line, character, encoding, request_id, alternatives=1)
        return found[0] if found else None

    async def suggest_all(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str, request_id: object,
        alternatives: int = 1,
    ) -> list[Suggestion]:
        """Up to `alternatives` distinct suggestions for this cursor, best first."""
        started = time.perf_counter()
        self.stats.requests += 1
        name = PurePosixPath(doc.uri).name
        fields: dict[str, float | int | str] = {"req": str(request_id), "doc": name}
        try:
            return await self._suggest(doc, line, character, encoding, fields, alternatives)
        finally:
            fields["total_ms"] = round((time.perf_counter() - started) * 1000, 1)
            self.stats.last = fields
            log.info("complete %s", " ".join(f"{k}={v}" for k, v in fields.items()))

    async def _suggest(
        self, doc: DocumentSnapshot, line: int, character: int, encoding: str,
        fields: dict[str, float | int | str], alternatives: int,
    ) -> list[Suggestion]:
        cfg = self.settings.completion
        if not cfg.enabled:
            fields["result"] = "disabled"
            return []
        cursor = resolve_position(doc.text, line, character, encoding)
        if cursor is None:
            fields["result"] = "invalid_position"
            return []
        language = detect_language(doc.language_id, doc.uri)
        t_decide = time.perf_counter()
        decision = decide(doc.text, cursor.offset, cursor.line_start, cursor.line_end, language)
        fields["decide_ms"] = round((time.perf_counter() - t_decide) * 1000, 2)
        scope = decision.scope
        fields["scope"] = scope.value
        if scope is Scope.SKIP:
            fields["result"] = f"skip_{decision.reason}"
            return []
        engine = self.engine
        if engine is None or engine.model is None:
            fields["result"] = "no_engine"
            return []

        model = engine.model
        fmt = choose_format(cfg.prompt_format, model.markers.template)
        fields["format"] = fmt
        t0 = time.perf_counter()
        window = split_around_cursor(doc.text, cursor.offset, cfg.prefix_lines, cfg.suffix_lines)
        typed = doc.text[cursor.line_start:cursor.offset] if fmt == "psm-typed" else ""
        texts = [window.prefix[: len(window.prefix) - len(typed)], window.suffix, typed]
        if fmt == "repo":
            texts += [f"{doc.repo_name}\n", f"{doc.relative_path}\n"]
        parts = await engine.tokenize(texts)
        fields["tokenize_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        if parts is None:
            fields["result"] = "engine_unavailable"
            return []
        prefix, suffix = fit_budget(parts[0], parts[1],
                                    Budget(max(cfg.prefix_tokens - len(parts[2]), 0), cfg.suffix_tokens))
        pieces = PromptPieces(prefix=prefix, suffix=suffix, typed=parts[2],
                              repo=parts[3] if fmt == "repo" else (), path=parts[4] if fmt == "repo" else ())
        tokens = build_prompt(fmt, model.markers, pieces, bos=model.bos, repo=model.repo)

        result = await engine.generate(GenerateRequest(
            tokens=tokens, document=doc.uri,
            max_tokens=cfg.max_line_tokens if scope is Scope.LINE else cfg.max_tokens,
            stop_at_newline=scope is Scope.LINE,
            stop_texts=("\n\n\n",) if scope is Scope.BLOCK else (),
            stop_indent=decision.min_indent if scope is Scope.BLOCK else None,
            stop_unmatched_close=scope is Scope.BLOCK and language is not None and not language.indentation_scoped,
            alternatives=alternatives,
            reuse_min_chunk=cfg.reuse_chunk_tokens,
            timeout_ms=cfg.timeout_ms,
        ))
        if result is None:
            fields["result"] = "cancelled_or_unavailable"
            return []
        self._record(result, fields)
        t1 = time.perf_counter()
        ctx = CompletionContext(prefix=doc.text[:cursor.offset], suffix=doc.text[cursor.offset:], decision=decision,
                                language=language, stop_texts=model.markers.marker_texts)
        found: list[Suggestion] = []
        for raw in result.alternatives or (result.text,):
            candidate = postprocess(ctx, raw)
            if candidate is not None and all(candidate.text != s.text for s in found):
                found.append(Suggestion(text=candidate.text, replace_end=candidate.replace_end))
        fields["post_ms"] = round((time.perf_counter() - t1) * 1000, 2)
        if not found:
            fields["result"] = "empty"
            return []
        self.stats.answered += 1
        fields["result"] = "ok"
        fields["chars"] = len(found[0].text)
        if alternatives > 1:
            fields["alternatives"] = len(found)
        return found

    @staticmethod
    def _record(result: GenerateResult, fields: dict[str, float | int | str]) -> None:
        fields.update(
            prompt=result.prompt_tokens, reused=result.reused, shifted=result.shifted, evaluated=result.evaluated,
            generated=result.generated, control=result.control_tokens, stop=result.reason,
            prompt_ms=result.prompt_ms, gen_ms=result.gen_ms,
        )
